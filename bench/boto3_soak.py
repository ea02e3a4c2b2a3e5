#!/usr/bin/env python3
"""boto3 side of the soak benchmark: a mix of SSM Inventory calls for DURATION seconds.

argv: ENDPOINT DURATION_SECONDS FIRST_INSTANCE; stdout: JSON {"latencies": {op: [ms, ...]}, "errors": {code: n}}.
"""
import json
import random
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, duration, first = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
ssm = boto3.client("ssm", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="123456789012",
                   aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))
content = [{"Name": f"pkg-{i}", "Version": f"1.{i}"} for i in range(40)]
latencies, errors = {}, {}
home = f"i-{first:017x}"
ssm.put_inventory(InstanceId=home, Items=[{"TypeName": "Custom:SoakBoto", "SchemaVersion": "1.0", "CaptureTime": "2026-11-01T10:00:00Z", "Content": content}])
end = time.time() + duration
n = 0
while time.time() < end:
    n += 1
    instance = f"i-{first + n % 500:017x}"
    roll = random.random()
    if roll < 0.5:
        op, call = "PutInventory", lambda: ssm.put_inventory(InstanceId=instance, Items=[{
            "TypeName": "Custom:SoakBoto", "SchemaVersion": "1.0", "CaptureTime": "2026-11-01T10:00:00Z", "Content": content}])
    elif roll < 0.7:
        op, call = "ListInventoryEntries", lambda: ssm.list_inventory_entries(InstanceId=home, TypeName="Custom:SoakBoto", MaxResults=20)
    elif roll < 0.85:
        op, call = "GetInventory", lambda: ssm.get_inventory(Filters=[{"Key": "Custom:SoakBoto.Name", "Values": ["pkg-3"], "Type": "Equal"}], MaxResults=20)
    else:
        op, call = "DescribeInventoryDeletions", lambda: ssm.describe_inventory_deletions(MaxResults=10)
    started = time.perf_counter()
    try:
        call()
    except ClientError as error:
        code = error.response["Error"]["Code"]
        errors[code] = errors.get(code, 0) + 1
    latencies.setdefault(op, []).append((time.perf_counter() - started) * 1000)
json.dump({"latencies": latencies, "errors": errors}, sys.stdout)
