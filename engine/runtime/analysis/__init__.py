"""Analysis over an installed app's records: read-only, aggregated in SQL, with
the caller's permissions applied. One module family per analysis
(`inventory*.py`, `anomalies*.py`, `forecast*.py`)."""
