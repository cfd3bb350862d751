"""Load testing the three designs: a small Django app served by a real WSGI server in a child
process, driven by Locust in its own process.

roadbench's own process never imports locust or gevent (Locust monkey-patches the whole process
at import): ``locustfile.py`` is only ever handed to ``python -m locust`` by path.
"""

from __future__ import annotations
