"""ETL of the NHSV monitor: extract, validate and load quarterly submissions into the warehouse it owns."""
