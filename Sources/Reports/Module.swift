// Reports: comparison statistics and the text, markdown, csv, json and html renderers.
