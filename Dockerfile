# The conformance suites as a container image, for CI pipelines that pull an image instead of
# installing Python packages. Build it from a checkout and push it to your registry:
#
#   docker build -t registry.example.com/qa/pytest-sessionapi:0.1.0 .
#   docker run --rm -v "$PWD:/work" -e CC_API_KEY registry.example.com/qa/pytest-sessionapi:0.1.0 \
#       run --sessionapi-config=targets.toml
#
# The entry point is `sessionapi`: `run`, `certify`, `verify`, `merge`, `judge`, `serve`. The
# working directory /work is where targets.toml is read and reports/ written (mount yours there).

# 1. The wheel, built from this tree: it carries the suites, the catalogues and the references.
FROM python:3.12-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
COPY suites ./suites
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist .

# 2. The image: the wheel installed, nothing else of the tree.
FROM python:3.12-slim
COPY --from=wheel /dist /dist
RUN python -m pip install --no-cache-dir /dist/*.whl && rm -rf /dist \
    && useradd --create-home --uid 1000 qa && mkdir /work && chown qa /work
USER qa
WORKDIR /work
ENTRYPOINT ["sessionapi"]
CMD ["--help"]
