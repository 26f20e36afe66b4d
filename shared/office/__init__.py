"""What every service knows of the office itself, and the one mechanism that decides who may act.

- `directory`: the staff directory as this service knows it. Correspondence (งานธุรการ) keeps the
  directory; every change to it is a `correspondence.officer.*` event, and each other service learns
  it into `DirectoryEntry` aggregates of its own store, with the same idempotent consumer as
  everything else.
- `documents`: the documents registered in correspondence, which decisions of bodies outside the
  office cite (a resolution, a signed letter).
- `rights`: each service's decision-rights table and its enforcement: who is known, active and
  holds the role a command needs; who may not take a step because they took an earlier one; which
  decisions of outside bodies must cite a registered document.
- `api`: `GET /officers` and `GET /decision-rights`, the same on every service.
"""
