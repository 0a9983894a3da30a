"""One module per page of the dashboard; :mod:`web.app` lists them in its route table."""
