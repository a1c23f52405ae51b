"""Server-rendered screens (and, in `auth`, the login pages): thin views that
parse a request, call the record service and render a template."""
