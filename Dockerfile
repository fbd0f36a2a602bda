# One image for every ccn-platform service; the command picks the service (`ccn serve <name>`).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY shared ./shared
COPY services ./services
COPY schemas ./schemas
RUN pip install --no-cache-dir -c constraints.txt . \
 && useradd --system --uid 10001 ccn
USER ccn
ENV CCN_VAR_DIR=/tmp/ccn
EXPOSE 8001 8002 8003 8004
CMD ["ccn", "--help"]
