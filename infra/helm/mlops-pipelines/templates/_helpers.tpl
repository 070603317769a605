{{- define "mlops.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mlops.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mlops.labels" -}}
app.kubernetes.io/name: {{ include "mlops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "api") */}}
{{- define "mlops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mlops.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "mlops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mlops.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "mlops.secretName" -}}
{{- required "secrets.existingSecret is required: create a Secret with DATABASE_URL, S3_ACCESS_KEY and S3_SECRET_KEY (optionally PAYLOAD_ENCRYPTION_KEYS, TEMPORAL_API_KEY) and name it here. The chart never ships default credentials." .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Image reference; a pool may override repository and tag: (dict "root" $ "image" .image) */}}
{{- define "mlops.image" -}}
{{- $image := .image | default dict -}}
{{- $repository := $image.repository | default .root.Values.image.repository -}}
{{- $tag := $image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* Environment of every container: ConfigMap, secrets by reference, TLS file paths, extra entries. */}}
{{- define "mlops.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef: { name: {{ include "mlops.secretName" . }}, key: DATABASE_URL }
- name: S3_ACCESS_KEY
  valueFrom:
    secretKeyRef: { name: {{ include "mlops.secretName" . }}, key: S3_ACCESS_KEY }
- name: S3_SECRET_KEY
  valueFrom:
    secretKeyRef: { name: {{ include "mlops.secretName" . }}, key: S3_SECRET_KEY }
- name: PAYLOAD_ENCRYPTION_KEYS
  valueFrom:
    secretKeyRef: { name: {{ include "mlops.secretName" . }}, key: PAYLOAD_ENCRYPTION_KEYS, optional: true }
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef: { name: {{ include "mlops.secretName" . }}, key: TEMPORAL_API_KEY, optional: true }
{{- if .Values.temporal.tls.enabled }}
- name: TEMPORAL_TLS_CERT
  value: /etc/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/temporal-tls/tls.key
- name: TEMPORAL_TLS_CA
  value: /etc/temporal-tls/ca.crt
{{- with .Values.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "mlops.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "temporal.tls.existingSecret is required when temporal.tls.enabled" .Values.temporal.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "mlops.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* Liveness for workers: their /metrics endpoint listens on the pod's loopback only, so probe from inside. */}}
{{- define "mlops.workerProbe" -}}
exec:
  command:
    - node
    - -e
    - "fetch('http://127.0.0.1:9464/metrics').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
{{- end -}}
