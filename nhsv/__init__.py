"""NHSV monitor: the bottom layer shared by the ETL, the dashboard and the command line: settings, mail and the
proxy set-up. It imports none of them."""
