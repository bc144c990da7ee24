"""A pymodbus 3.0 TCP server with known contents, the real device of the Modbus client tests.

Usage: /usr/bin/python3 pymodbus_server.py PORT

Units 1 and 2 exist (any other unit id gets no answer at all: pymodbus drops its frames).
Each has 100 of every kind at addresses 0-99 (zero-based, as on the wire):
  coils            address a -> a % 3 == 0
  discrete inputs  address a -> a % 2 == 1
  holding regs     address a -> 1000 * unit + a   (writable)
  input regs       address a -> 2000 * unit + a
Reading holding register 99 makes the data store fail (the server answers exception 04).
Prints "pymodbus listening on 127.0.0.1:PORT" once it accepts connections.
"""

import asyncio
import logging
import sys

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.server import StartAsyncTcpServer

SIZE = 100
FAILING_HOLDING_REGISTER = 99


class FailingBlock(ModbusSequentialDataBlock):
    """Holding registers whose last address cannot be read: a device failure."""

    def getValues(self, address, count=1):
        if address <= FAILING_HOLDING_REGISTER < address + count:
            raise RuntimeError("simulated device failure")
        return super().getValues(address, count)


def unit(number):
    return ModbusSlaveContext(
        co=ModbusSequentialDataBlock(0, [a % 3 == 0 for a in range(SIZE)]),
        di=ModbusSequentialDataBlock(0, [a % 2 == 1 for a in range(SIZE)]),
        hr=FailingBlock(0, [1000 * number + a for a in range(SIZE)]),
        ir=ModbusSequentialDataBlock(0, [2000 * number + a for a in range(SIZE)]),
        zero_mode=True,
    )


async def main(port):
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    context = ModbusServerContext(slaves={1: unit(1), 2: unit(2)}, single=False)
    server = await StartAsyncTcpServer(
        context=context,
        address=("127.0.0.1", port),
        allow_reuse_address=True,
        defer_start=True,
    )
    serving = asyncio.create_task(server.serve_forever())
    await server.serving
    print(f"pymodbus listening on 127.0.0.1:{port}", flush=True)
    await serving


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
