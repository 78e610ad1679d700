"""The web client: its built bundle (``dist/``, made by ``npm run build`` in ``web/``) and
how ``tidings serve`` serves it (``tidings.web.serving``)."""
