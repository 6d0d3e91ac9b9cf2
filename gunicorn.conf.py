"""gunicorn settings, read from the working directory by every gunicorn
started from the project's root (make run's Procfile, docker-compose's web
service, the benches and the suite's live server); command-line flags still
win."""

# Keep idle connections open longer than clients wait between requests. With
# gunicorn's default of 2 s, a client reusing a connection the server is
# closing at that very moment gets a transport error instead of an answer
# (bench/load.py saw a few per run, with users pausing 0.5-2 s).
keepalive = 5
