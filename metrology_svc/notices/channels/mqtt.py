"""MQTT: publish a notice to a site's display topic (the only module of notices using paho)."""

import json
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


def publish(
    *, mqtt_url: str, topic: str, payload: dict[str, Any], timeout_s: float, client_id: str
) -> None:
    """Publish with QoS 1 and wait for the broker's acknowledgement; raise if it does not come."""
    parts = urlsplit(mqtt_url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    if parts.username:
        client.username_pw_set(parts.username, parts.password)
    client.connect(parts.hostname or "127.0.0.1", parts.port or 1883, keepalive=30)
    client.loop_start()
    try:
        body = json.dumps(payload, ensure_ascii=False).encode()
        info = client.publish(topic, body, qos=1, retain=True)
        info.wait_for_publish(timeout=timeout_s)
        if not info.is_published():
            raise TimeoutError(f"MQTT broker did not acknowledge {topic} in {timeout_s} s")
    finally:
        client.disconnect()
        client.loop_stop()
