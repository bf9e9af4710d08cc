"""Data in and out of the company: import of master data, opening stock and open orders from XLSX and CSV
(validated set-based in the database, all or nothing unless asked otherwise), templates to fill in, and
export of master data, documents and any table a window shows to XLSX or CSV."""
