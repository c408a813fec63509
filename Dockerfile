# The admin's browser libraries (charts, map), from npm (package.json).
FROM node:20-slim AS browser-libraries
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --silent

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=browser-libraries /app/node_modules node_modules
# A throwaway key, strong enough for the settings' check: collectstatic signs nothing.
RUN DEBUG=0 SECRET_KEY="collectstatic-only-$(python -c 'import secrets; print(secrets.token_hex(32))')" \
    python manage.py collectstatic --noinput --verbosity 0

# DEBUG off, as in the settings: SECRET_KEY and ALLOWED_HOSTS must come from
# the environment (README, "Deploying"). `manage.py serve` is Daphne with the
# CSMS's request size limits.
ENV DEBUG=0 CSMS_HOST=0.0.0.0 CSMS_PORT=9000
EXPOSE 9000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec python manage.py serve"]
