"""CSV/XLSX export and import of form records (DESIGN §5, issue 9 items 5-6).

- `columns.py` — the column layout: headers ("Label (name)"), header matching,
  cell values out and back in
- `export.py`  — streamed export over keyset pages of the record service
- `import_.py` — file reading and the import through the record service
- `routes.py`  — the two API endpoints
"""
