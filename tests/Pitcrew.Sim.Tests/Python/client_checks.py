"""The official Python client (python3-kubernetes) against the sim: one check per command, its findings as JSON on stdout.

Usage: client_checks.py KUBECONFIG CHECK NAMESPACE   (CHECK: paging | watch | conflict | eviction | notfound)
"""
import json
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def error(e):
    body = json.loads(e.body) if e.body else {}
    return {"status": e.status, "kind": body.get("kind"), "reason": body.get("reason"), "message": body.get("message"),
            "retryAfter": (e.headers or {}).get("Retry-After")}


def namespace(core, name):
    core.create_namespace({"metadata": {"name": name}})


def paging(core, ns):
    namespace(core, ns)
    for i in range(7):
        core.create_namespaced_config_map(ns, {"metadata": {"name": f"cm-{i}"}, "data": {"i": str(i)}})
    pages, token = [], None
    while True:
        page = core.list_namespaced_config_map(ns, limit=3, _continue=token)
        pages.append({"names": [c.metadata.name for c in page.items], "remaining": page.metadata.remaining_item_count,
                      "resourceVersion": page.metadata.resource_version})
        token = page.metadata._continue
        if not token:
            return {"pages": pages}


def watching(core, ns):
    namespace(core, ns)
    start = core.list_namespaced_config_map(ns).metadata.resource_version
    core.create_namespaced_config_map(ns, {"metadata": {"name": "watched"}, "data": {"v": "1"}})
    core.patch_namespaced_config_map("watched", ns, {"data": {"v": "2"}})
    core.delete_namespaced_config_map("watched", ns)
    events = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, ns, resource_version=start, timeout_seconds=10):
        events.append({"type": event["type"], "name": event["object"].metadata.name, "data": event["object"].data})
        if event["type"] == "DELETED":
            w.stop()
    return {"events": events}


def conflict(core, ns):
    namespace(core, ns)
    created = core.create_namespaced_config_map(ns, {"metadata": {"name": "cas"}, "data": {"v": "1"}})
    created.data = {"v": "2"}
    updated = core.replace_namespaced_config_map("cas", ns, created)
    try:
        core.replace_namespaced_config_map("cas", ns, created)
        return {"updated": updated.metadata.resource_version, "stale": "accepted"}
    except ApiException as e:
        return {"updated": updated.metadata.resource_version, "stale": error(e)}


def running_pod(core, ns, name, app):
    pod = core.create_namespaced_pod(ns, {
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"nodeName": "worker-1", "containers": [{"name": "app", "image": "nginx:1.27"}]}})
    pod.status = client.V1PodStatus(phase="Running", conditions=[client.V1PodCondition(type="Ready", status="True")])
    core.replace_namespaced_pod_status(name, ns, pod)


def evict(core, ns, name):
    body = client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace=ns))
    try:
        _, status, _ = core.create_namespaced_pod_eviction_with_http_info(name, ns, body)
        return {"status": status}
    except ApiException as e:
        return error(e)


def eviction(core, ns):
    namespace(core, ns)
    policy = client.PolicyV1Api()
    running_pod(core, ns, "free", "free")
    running_pod(core, ns, "guarded", "guarded")
    policy.create_namespaced_pod_disruption_budget(ns, {
        "metadata": {"name": "guarded"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "guarded"}}}})
    budget = policy.read_namespaced_pod_disruption_budget("guarded", ns)
    budget.status = client.V1PodDisruptionBudgetStatus(
        current_healthy=1, desired_healthy=1, disruptions_allowed=0, expected_pods=1, observed_generation=1)
    policy.replace_namespaced_pod_disruption_budget_status("guarded", ns, budget)
    free = evict(core, ns, "free")
    guarded = evict(core, ns, "guarded")
    left = core.read_namespaced_pod("guarded", ns)
    return {"free": free, "guarded": guarded, "guardedDeleting": left.metadata.deletion_timestamp is not None}


def notfound(core, ns):
    try:
        core.read_namespaced_config_map("absent", ns)
        return {"found": True}
    except ApiException as e:
        return error(e)


CHECKS = {"paging": paging, "watch": watching, "conflict": conflict, "eviction": eviction, "notfound": notfound}

if __name__ == "__main__":
    kubeconfig, check, ns = sys.argv[1:4]
    config.load_kube_config(config_file=kubeconfig)
    print(json.dumps(CHECKS[check](client.CoreV1Api(), ns)))
