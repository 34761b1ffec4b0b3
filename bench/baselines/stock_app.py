"""Baseline: stock Connexion 3 AsyncApp + Mangum serving the same openapi.yaml (its operationIds pointed at
stock_ops), every option at its default, as a Connexion user would deploy it.

One addition every Connexion-on-Lambda app needs (DESIGN.md section 5): API Gateway proxy events carry no
Content-Length, and without it Connexion sees POST bodies as empty.
"""

from connexion import AsyncApp
from mangum import Mangum

app = AsyncApp(__name__)
app.add_api("openapi.yaml")
asgi = Mangum(app, lifespan="off")


def handler(event, context):
    if event.get("body") is not None:
        event["headers"] = {**(event.get("headers") or {}), "Content-Length": str(len(event["body"].encode()))}
        if event.get("multiValueHeaders") is not None:
            event["multiValueHeaders"] = {
                **event["multiValueHeaders"],
                "Content-Length": [event["headers"]["Content-Length"]],
            }
    return asgi(event, context)
