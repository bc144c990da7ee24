#!/bin/sh
# A device of compose/demo.yml, alone on its domain's network: prints every tariff message that
# reaches it by native multicast (one JSON line each), and answers every meter-reading request
# with its reading ($READING).
set -eu
gridcast sub ham:sg:ami.tariff.rtp --json --interface eth0 &
exec gridcast respond ham:sg:ami.readings --value "$READING" --interface eth0
