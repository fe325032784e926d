"""What analysts read, built from the published warehouse (read-only): the seed reports' charts
(``charts``), figure answers formatted as the reports print them (``printed``), provenance from a
number to the document pages behind it (``trace``) and the written market review (``review``)."""
