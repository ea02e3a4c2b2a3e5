#!/usr/bin/env python3
"""Runs a list of SSM calls through boto3 for the Node tests.

argv: ENDPOINT REGION ACCESS_KEY_ID [SECRET_ACCESS_KEY [SESSION_TOKEN]]; stdin: a JSON list of {"op", "params", "paginate"}.
stdout: a JSON list with {"ok": true, "result": ...} or {"ok": false, "code", "message", "status"} per call.
"""
import datetime
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

endpoint, region, key = sys.argv[1], sys.argv[2], sys.argv[3]
secret = sys.argv[4] if len(sys.argv) > 4 else "secret"
token = sys.argv[5] if len(sys.argv) > 5 else None
client = boto3.client("ssm", endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                      aws_secret_access_key=secret, aws_session_token=token,
                      config=Config(retries={"total_max_attempts": 1}))


def plain(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


out = []
for call in json.load(sys.stdin):
    try:
        params = call.get("params") or {}
        if call.get("paginate"):
            pages = client.get_paginator(snake(call["op"])).paginate(**params)
            result = [plain(page) for page in pages]
        else:
            result = plain(getattr(client, snake(call["op"]))(**params))
        out.append({"ok": True, "result": result})
    except ClientError as e:
        out.append({"ok": False, "code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
                    "status": e.response["ResponseMetadata"]["HTTPStatusCode"]})
    except ParamValidationError as e:  # refused by botocore before sending
        out.append({"ok": False, "code": "ParamValidationError", "message": str(e), "status": 0})
json.dump(out, sys.stdout)
