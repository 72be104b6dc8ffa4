# Build a static binary, then ship it alone (with CA certificates for the AWS
# endpoints) on an empty base, as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VERSION}" \
    -o /out/rds-backfill-exporter ./cmd/exporter \
 && mkdir -p /out/data/backfill /out/tmp \
 && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/rds-backfill-exporter /bin/rds-backfill-exporter
# The TSDB block writer keeps its head in $TMPDIR while it writes a block.
COPY --from=build /out/tmp /tmp
# Backfilled blocks go to /data/backfill (the default --backfill.output-dir,
# relative to /): mount a volume there, or the Prometheus data folder.
COPY --from=build --chown=65534:65534 /out/data /data
VOLUME /data
# nobody:nogroup
USER 65534:65534
EXPOSE 19106
ENTRYPOINT ["/bin/rds-backfill-exporter"]
# No config file: discovery in the SDK default region (AWS_REGION) with the
# default metrics. Mount a config and add --config.file=... to change that.
CMD ["serve"]
