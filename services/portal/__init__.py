"""The office portal (พอร์ทัลเจ้าหน้าที่): the Thai web application the office's staff sign in to.

A front end over the five services' public HTTP APIs (FastAPI + Jinja2, server-rendered, htmx for
partial and live updates, no build step, nothing from a CDN). Its own store holds only accounts and
sign-ins. See `main.py` for how it is put together and `__main__.py` for the command that creates
the first account.
"""
