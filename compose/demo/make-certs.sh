#!/bin/sh
# The demo's certs service: a development CA and one certificate per gateway, each naming the
# gateway's backbone address (the address its peers dial), into the certs volume the gateways
# mount. Runs once: a volume that has them already is left as it is.
set -eu
out=/var/lib/gridcast/certs
if [ -f "$out/ca.crt" ]; then
  echo "certificates are there already"
  exit 0
fi
gridcast certs ca --out "$out" --name "GridCast Compose Demo CA"
gridcast certs node gw-headend --ca "$out" --out "$out" --ip 10.70.255.2
gridcast certs node gw-north --ca "$out" --out "$out" --ip 10.70.255.3
gridcast certs node gw-south --ca "$out" --out "$out" --ip 10.70.255.4
# Only the issuer needs the CA key, and the issuer is this one-off container.
rm "$out/ca.key"
