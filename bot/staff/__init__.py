"""The staff console: a Sanic web app for hotline agents (坐席) and supervisors (主管) on 127.0.0.1:5006.

Started by ``python -m bot serve`` next to Rasa and the action server (or alone: ``python -m bot.staff``).
Pages are rendered on the server (Mako templates under ``templates/``, no CDN: every asset is under
``static/``).

Closed by default: :mod:`bot.staff.web` refuses every request that has no valid session (HTML pages
redirect to ``/login``, everything else gets 401) and every state-changing request (POST, PUT, PATCH,
DELETE) without the session's CSRF token (403). Only the routes named in :data:`bot.staff.web.PUBLIC_ROUTES`
(the sign-in form and the static assets) are reachable without a session; ``tests/staff/test_routes.py``
walks every route of the app, so a new page is covered without writing a test for it.

How to add a page:

1. Create a module under ``bot/staff/pages/`` with a :class:`sanic.Blueprint` named ``bp`` and a tuple
   ``NAV`` of :class:`bot.staff.web.NavItem` (menu entries; empty when the page has no menu entry).
2. Write handlers as usual; render with ``await render(request, "your_page.html", key=value)`` from
   :mod:`bot.staff.web` (the template extends ``base.html``; every value is HTML-escaped). Forms that
   POST include ``${csrf_field()}``; ``fetch`` calls send the ``X-CSRF-Token`` header (``static/console.js``
   does it for you with ``postJson``).
3. Restrict a handler to a role with ``@requires_role("supervisor")`` (default: any signed-in account).
   Read the signed-in account from ``request.ctx.account``.
4. Add the module's name to :data:`bot.staff.app.PAGE_MODULES`.
5. Blocking work (database, HTTP) goes through ``asyncio.to_thread``; personal data is read through the
   case store with an :class:`~bot.cases.records.AccessContext` whose ``actor`` is ``staff:<username>``,
   so that it is audited.
"""
