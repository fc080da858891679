"""The quarterly export pack (issues 6 and 22), one module per subject: the pack as a whole and the command that
makes it, what each audience's pack may hold, the workbooks, and the documents (report and slides) as LibreOffice,
poppler and pikepdf read them. The demo warehouse and the packs built on it are fixtures of conftest.py, built once
for all of them; helpers.py reads what was written."""
