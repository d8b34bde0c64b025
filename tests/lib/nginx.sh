# tests/lib/nginx.sh - a private nginx in front of otpd and a sample
# resource (bash, sourced after common.sh): the browser test and the demo.
#
#   nginx_start DIR PORT OTPD_ADDR
#       config from tests/lib/nginx.conf.in under DIR (pid file, logs and
#       temp files there too), the sample resource in DIR/www/resource/lab/,
#       nginx -t, then nginx in the foreground as a background job (PID in
#       NGINX_PID); waits until it answers on 127.0.0.1:PORT.
#       The resource is http://127.0.0.1:PORT/resource/ (a prefix for the
#       milter's resources =); the sample page is $NGINX_RESOURCE.
#       Files DIR/conf.d/*.conf, written before nginx_start, are included in
#       the http block: more server blocks (the browser test puts the front
#       of its OpenID provider there).
#   nginx_stop         SIGTERM and wait

nginx_start() {
	local dir=$1 port=$2 otpd=$3
	mkdir -p "$dir/tmp" "$dir/www/resource/lab"
	NGINX_RESOURCE=http://127.0.0.1:$port/resource/lab/
	_nginx_sample_page >"$dir/www/resource/lab/index.html"
	sed "s|@DIR@|$dir|g; s|@WWW@|$dir/www|g; s|@PORT@|$port|g; s|@OTPD@|$otpd|g" \
		"$T_SRC/tests/lib/nginx.conf.in" >"$dir/nginx.conf"
	nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" -t >"$dir/t.log" 2>&1 ||
		die "nginx -t: $(cat "$dir/t.log")"
	bg_start nginx "$dir/nginx.out" nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf"
	NGINX_PID=$BG_PID
	wait_for_port "$port" 10 || die "nginx did not listen on 127.0.0.1:$port: $(tail -5 "$dir/error.log")"
}

nginx_stop() {
	[ -n "${NGINX_PID:-}" ] || return 0
	bg_stop "$NGINX_PID" 10
	NGINX_PID=
}

# The protected sample page: says what it is and who is looking at it.
_nginx_sample_page() {
	cat <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Research lab - shared files</title>
<style>
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,sans-serif;font-size:1.05rem;line-height:1.5;color:#1b1b1b;background:#fff}
main{max-width:40rem;margin:0 auto;padding:1.25rem 1rem}
h1{font-size:1.4rem;margin:0 0 .75rem}
.who{padding:.75rem;border-radius:.35rem;background:#e6f4ea;overflow-wrap:anywhere}
li{margin:.25rem 0}
</style>
</head><body><main>
<h1>Research lab: shared files</h1>
<p class="who" id="who">Signed in as guest <strong><!--# echo var="guest_email" default="(nobody)" --></strong></p>
<p>This is the sample resource behind nginx. nginx asked guestlink's otpd (auth_request to /auth)
before showing it to you.</p>
<ul>
<li>Lab handbook 2024.pdf</li>
<li>Meeting notes (weekly)</li>
<li>Dataset README</li>
</ul>
</main></body></html>
EOF
}
