#!/bin/sh
# hello: put the seed page into the site on its first start (when the volume
# is empty), then serve the site.  Runs as the service's user, who owns the
# volume; the seed is the bundle's, mounted read-only.
set -eu
site=/srv/www
if [ -z "$(ls -A "$site")" ]; then
	cp -R /app/seed/. "$site/"
	echo "hello: seeded $site with the bundle's page" >&2
fi
exec /usr/bin/python3 -m http.server --bind 0.0.0.0 --directory "$site" 8080
