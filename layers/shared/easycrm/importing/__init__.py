"""A file's rows → standardized, de-duplicated leads.

Reading (csv_reader, workbook_reader, spreadsheet), header and column mapping (columns), the rules
(standardize, dedup), the splitter and the batch importer.
"""
