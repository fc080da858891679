"""The NHSV monitor's Dash app: pages, components, chart builders and the data layer that applies the viewer's scope."""
