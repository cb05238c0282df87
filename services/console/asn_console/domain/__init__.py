"""The console's pure view logic: numbers and dates as Indonesians read them, the regulation's
processing table, periods, the calendar, chart data, JP progress and what each role may open.

No I/O and no clock reads (today and now are passed in); nothing here imports an HTTP library.
Modules: `formatting` (decimal comma, WIB), `text` (Indonesian/English words), `periods`,
`processing` (the processing table), `calendar`, `charts`, `access` (role and scope rules).
"""
