"""Validates rendered Kubernetes manifests (helm template output) read from stdin, strictly.

Built-in kinds are checked with kubernetes-validate's strict schemas (unknown fields are errors). The chart's KEDA
kinds (ScaledObject, TriggerAuthentication) are checked against the schema below, written from KEDA v2.21's CRDs
for the fields the chart can emit (strict as well: the API server would silently prune a misspelt field), plus
the `temporal` trigger's metadata keys and value formats. Any other kind is an error, so a new kind is added here
deliberately. Prints one line per resource; exits 1 if any failed.
Usage: helm template ... | python validate-manifests.py [--kubernetes-version 1.31.0]
"""

import re
import sys

import jsonschema
import yaml
from kubernetes_validate import utils

INT_TEXT = {"type": "string", "pattern": r"^[0-9]+$"}
BOOL_TEXT = {"type": "string", "enum": ["true", "false"]}
NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 253}
METADATA = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": NAME,
        "namespace": NAME,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
}

TEMPORAL_METADATA = {
    "type": "object",
    "required": ["endpoint", "taskQueue"],
    "properties": {
        "endpoint": {"type": "string", "pattern": r"^[^\s:]+:[0-9]+$"},
        "namespace": {"type": "string", "minLength": 1},
        "taskQueue": {"type": "string", "minLength": 1},
        "queueTypes": {"type": "string", "pattern": r"^(workflow|activity|nexus)(,(workflow|activity|nexus))*$"},
        "targetQueueSize": INT_TEXT,
        "activationTargetQueueSize": INT_TEXT,
        "minConnectTimeout": INT_TEXT,
        "enableTLS": BOOL_TEXT,
        "unsafeSsl": BOOL_TEXT,
        "tlsServerName": {"type": "string"},
        "includeRunningWorkflowCount": BOOL_TEXT,
        "workflowTaskQueueForCount": {"type": "string"},
        "workerDeploymentName": {"type": "string"},
        "workerDeploymentBuildId": {"type": "string"},
    },
    "additionalProperties": False,
}

SCALED_OBJECT = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "ScaledObject"},
        "metadata": METADATA,
        "spec": {
            "type": "object",
            "required": ["scaleTargetRef", "triggers"],
            "properties": {
                "scaleTargetRef": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": NAME,
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "envSourceContainerName": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
                "pollingInterval": {"type": "integer", "minimum": 1},
                "cooldownPeriod": {"type": "integer", "minimum": 0},
                "initialCooldownPeriod": {"type": "integer", "minimum": 0},
                "idleReplicaCount": {"type": "integer", "minimum": 0},
                "minReplicaCount": {"type": "integer", "minimum": 0},
                "maxReplicaCount": {"type": "integer", "minimum": 1},
                "advanced": {
                    "type": "object",
                    "properties": {
                        "restoreToOriginalReplicaCount": {"type": "boolean"},
                        "horizontalPodAutoscalerConfig": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                # Checked below against Kubernetes' own HorizontalPodAutoscalerBehavior schema.
                                "behavior": {"type": "object"},
                            },
                            "additionalProperties": False,
                        },
                    },
                    "additionalProperties": False,
                },
                "triggers": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string"},
                            "name": {"type": "string"},
                            "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                            "useCachedMetrics": {"type": "boolean"},
                            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                            "authenticationRef": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": NAME,
                                    "kind": {"enum": ["TriggerAuthentication", "ClusterTriggerAuthentication"]},
                                },
                                "additionalProperties": False,
                            },
                        },
                        "additionalProperties": False,
                        "if": {"properties": {"type": {"const": "temporal"}}},
                        "then": {"properties": {"metadata": TEMPORAL_METADATA}},
                    },
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

TRIGGER_AUTHENTICATION = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "keda.sh/v1alpha1"},
        "kind": {"const": "TriggerAuthentication"},
        "metadata": METADATA,
        "spec": {
            "type": "object",
            "properties": {
                "secretTargetRef": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["parameter", "name", "key"],
                        "properties": {
                            "parameter": {"enum": ["apiKey", "cert", "key", "keyPassword", "ca"]},
                            "name": NAME,
                            "key": {"type": "string", "minLength": 1},
                        },
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

CUSTOM = {("keda.sh/v1alpha1", "ScaledObject"): SCALED_OBJECT,
          ("keda.sh/v1alpha1", "TriggerAuthentication"): TRIGGER_AUTHENTICATION}


def hpa_behavior_errors(resource, version):
    """A ScaledObject's HPA behavior, checked as the HPA KEDA creates from it."""
    behavior = (((resource.get("spec") or {}).get("advanced") or {}).get("horizontalPodAutoscalerConfig") or {}).get(
        "behavior")
    if behavior is None:
        return []
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "keda-hpa"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 1, "behavior": behavior}}
    try:
        utils.validate(hpa, version, True)
        return []
    except utils.ValidationError as e:
        return ["spec.advanced.horizontalPodAutoscalerConfig.behavior: " + e.message]


def check(resource, version):
    key = (resource.get("apiVersion"), resource.get("kind"))
    schema = CUSTOM.get(key)
    if schema is not None:
        validator = jsonschema.Draft202012Validator(schema)
        errors = [".".join(str(p) for p in e.absolute_path) + ": " + e.message for e in validator.iter_errors(resource)]
        return errors + hpa_behavior_errors(resource, version)
    try:
        utils.validate(resource, version, True)
        return []
    except utils.SchemaNotFoundError:
        return ["no schema for %s %s: add one to infra/helm/validate-manifests.py" % key]
    except utils.ValidationError as e:
        return [".".join(str(p) for p in e.path) + ": " + e.message]


def main():
    version = "1.31.0"
    if len(sys.argv) == 3 and sys.argv[1] == "--kubernetes-version":
        version = sys.argv[2]
    documents = [d for d in yaml.safe_load_all(sys.stdin.read()) if d]
    if not documents:
        print("ERROR no resources on stdin")
        return 1
    failed = 0
    for resource in documents:
        name = "%s/%s" % (resource.get("kind"), (resource.get("metadata") or {}).get("name"))
        errors = check(resource, version)
        for error in errors:
            print("ERROR %s: %s" % (name, error))
        if errors:
            failed += 1
        else:
            print("OK %s" % name)
    print("%d resources, %d failed (Kubernetes %s, strict)" % (len(documents), failed, version))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
