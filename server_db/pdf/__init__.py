"""Printed documents: delivery notes and invoices (with credit notes) as PDF, without Qt.

`data` loads what a document shows, `render` lays it out with reportlab, `printing` records each print in
the database (a reprint is marked COPY) and renders, `fonts` finds a Chinese font on the system, `capital`
writes amounts in Chinese capital numerals.
"""
