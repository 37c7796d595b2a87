"""The `metrology-device` command line: the agent beside a control scale, and the simulator."""

import logging
import signal
import threading
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from devices import protocol

app = typer.Typer(
    help="Cân đối chứng: tác tử và mô phỏng / control scale: agent and simulator.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _device_id(value: str) -> str:
    if not protocol.is_device_id(value):
        raise typer.BadParameter("mã thiết bị / device id: [a-z0-9-]{3,64}")
    return value


@app.command()
def agent(
    port: Annotated[str, typer.Option(help="Cổng nối tiếp / serial port, e.g. /dev/ttyUSB0")],
    device_id: Annotated[str, typer.Option(callback=_device_id, help="Mã thiết bị / device id")],
    broker: Annotated[str, typer.Option(help="mqtt://host:1883 or mqtts://host:8883")],
    outbox: Annotated[Path, typer.Option(help="Tệp hàng đợi / outbox file (SQLite)")],
    username: Annotated[str | None, typer.Option(envvar="METROLOGY_DEVICE_USERNAME")] = None,
    password: Annotated[str | None, typer.Option(envvar="METROLOGY_DEVICE_PASSWORD")] = None,
    baudrate: Annotated[int, typer.Option(help="Tốc độ / baud rate")] = 9600,
    status_interval: Annotated[float, typer.Option(help="Giây giữa hai bản tin trạng thái")] = 60,
    min_grams: Annotated[float, typer.Option(help="Bỏ qua dưới mức / ignore below (g)")] = 20,
    ack_timeout: Annotated[
        float,
        typer.Option(
            min=1,
            help="Giây chờ máy chủ xác nhận đã lưu trước khi gửi lại / "
            "seconds to wait for the service's ack before sending again",
        ),
    ] = 600,
) -> None:
    """Đọc đầu cân, gửi kết quả qua MQTT / read the indicator and publish its weighings."""
    from devices.agent import AgentConfig, run_agent  # paho and pyserial load only here

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    config = AgentConfig(
        port=port,
        device_id=device_id,
        broker=broker,
        outbox=outbox,
        username=username,
        password=password,
        baudrate=baudrate,
        status_interval_s=status_interval,
        min_g=Decimal(str(min_grams)),
        ack_timeout_s=ack_timeout,
    )
    run_agent(config, stop=stop)


@app.command()
def simulate(
    devices: Annotated[int, typer.Option(min=1, max=1000, help="Số cân / devices")] = 5,
    rate: Annotated[float, typer.Option(min=0.01, help="Bản tin/giây (tổng) / msgs/s, all")] = 10,
    duration: Annotated[float, typer.Option(min=0, help="Giây / seconds")] = 10,
    count: Annotated[int | None, typer.Option(min=0, help="Số bản tin / messages")] = None,
    broker: Annotated[str, typer.Option(help="mqtt://host:1883")] = "mqtt://127.0.0.1:1883",
    malformed_ratio: Annotated[float, typer.Option(min=0, max=1)] = 0.01,
    short_ratio: Annotated[float, typer.Option(min=0, max=1)] = 0.05,
    seed: Annotated[int | None, typer.Option(help="Hạt giống / random seed")] = None,
    prefix: Annotated[str, typer.Option(help="Tiền tố mã thiết bị / device id prefix")] = "sim",
    username: Annotated[str | None, typer.Option(envvar="METROLOGY_DEVICE_USERNAME")] = None,
    password: Annotated[str | None, typer.Option(envvar="METROLOGY_DEVICE_PASSWORD")] = None,
    dry_run: Annotated[bool, typer.Option(help="Chỉ sinh, không gửi / generate only")] = False,
) -> None:
    """Mô phỏng các cân đối chứng / publish simulated control-scale traffic."""
    from devices.simulator import SimulationConfig
    from devices.simulator import simulate as run

    _device_id(f"{prefix}-001")
    summary = run(
        SimulationConfig(
            broker=None if dry_run else broker,
            devices=devices,
            rate=rate,
            duration_s=duration,
            count=count,
            malformed_ratio=malformed_ratio,
            short_ratio=short_ratio,
            seed=seed,
            prefix=prefix,
            username=username,
            password=password,
        )
    )
    for line in summary.lines():
        typer.echo(line)


if __name__ == "__main__":
    app()
