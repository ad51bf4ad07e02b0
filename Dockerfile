FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir . && useradd --create-home portal
COPY . .
RUN python manage.py compile_translations && DJANGO_SECRET_KEY=build KUNSHAN_ID_KEYS=build KUNSHAN_ID_HASH_KEY=build KUNSHAN_ENV=production \
    DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput
USER portal
EXPOSE 8000
# Workers, worker class and timeout: gunicorn.conf.py, read from the working directory.
CMD ["gunicorn", "kunshan_portal.wsgi", "--bind", "0.0.0.0:8000"]
