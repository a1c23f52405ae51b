"""CSV/XLSX export and import of form records (DESIGN §5, issue 9 items 5-6).

- `columns.py` — the column layout: headers ("Label (name)"), header matching,
  cell values out and back in
- `export.py`  — streamed export over keyset pages of the record service
- `formulas.py` — no live formulas in CSV/XLSX exports; what import strips
- `reader.py`  — untrusted files read row by row within `limits.py`; XLSX by
  `xlsx.py` / `xlsx_parts.py` (expat over the zip stream, no declared sizes)
- `import_.py` — the import through the record service
- `routes.py`  — the two API endpoints
"""
