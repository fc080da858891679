"""The top layer: the `nhsv` command (`main`) and the production server (`serve`); nothing imports it."""
