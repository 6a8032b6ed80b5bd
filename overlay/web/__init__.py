"""``overlay web``: the whole job in a local web page, for office staff.

A FastAPI app bound to 127.0.0.1 that drives the same engine as the CLI
(``plan`` → one ffmpeg pass → ``check``). See ``overlay/web/README.md`` for the layout.
"""
