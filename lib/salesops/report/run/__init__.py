"""``salesops run`` itself: the checked plan (``plan``, ``grid``), each report executed
(``execute``) and written (``outputs``, ``files``), the output folder (``folders``), the manifest
(``manifest``), the progress lines (``progress``) and the run that ties them (``runner``)."""
