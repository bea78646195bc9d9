# The demo in a Linux container: the way in from Apple-silicon Macs (MXNet has Linux builds for arm64 and
# x86-64) and from any machine with Docker or Podman. From the repository's folder:
#   docker build -t digit-demo .
#   docker run --rm -p 7860:7860 -v digit-demo-data:/data digit-demo      # then open http://localhost:7860
# Add -e DEMO_TEACHER_KEY=... for the teacher's room; the class's drawings and runs stay in the volume.
# Debian 12's own Python is 3.11, the version the shipped checkpoints and tests were made with.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates libgomp1 libquadmath0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# A network that inspects TLS (some schools' do) needs its certificate for pip: mount it and pass its path,
# e.g. docker build -v /etc/ssl/certs/ca-certificates.crt:/tmp/ca.pem:ro --build-arg PIP_CERT=/tmp/ca.pem ...
ARG PIP_CERT
COPY requirements.txt .
RUN python3 -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt
COPY . .
ENV GRADIO_SERVER_NAME=0.0.0.0 DEMO_DRAWINGS_DB=/data/drawings.sqlite MXNET_HOME=/data/mxnet
VOLUME /data
EXPOSE 7860
CMD ["/venv/bin/python", "demo/app.py"]
