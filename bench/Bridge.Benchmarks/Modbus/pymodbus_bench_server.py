"""A pymodbus 3.0 TCP server for the modbus harness: unit 1 (any unit id answers), 100 holding registers.

Usage: /usr/bin/python3 pymodbus_bench_server.py PORT
Prints "listening on 127.0.0.1:PORT" once it accepts connections.
"""

import asyncio
import logging
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncTcpServer


async def main(port):
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    store = ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, list(range(100))), zero_mode=True)
    server = await StartAsyncTcpServer(
        context=ModbusServerContext(slaves=store, single=True),
        address=("127.0.0.1", port),
        allow_reuse_address=True,
        defer_start=True,
    )
    serving = asyncio.create_task(server.serve_forever())
    await server.serving
    print(f"listening on 127.0.0.1:{port}", flush=True)
    await serving


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
