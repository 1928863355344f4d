"""``mineral-briefs preview``: one brief re-rendered on save and reloaded in the browser.

* :mod:`.session` keeps ONE warm kernel (the render pipeline's worker code:
  :func:`mineral_briefs.render.worker.render_one` on a single thread, so the kernel of
  :mod:`mineral_briefs.render.kernel` is reused), validates the scenario before every render and
  holds the last good brief;
* :mod:`.server` serves it on a local port (tornado) with a server-sent-events endpoint; a few
  lines of JavaScript are added to the *served* page only, never to a rendered brief on disk;
* :mod:`.app` wires both to watchfiles (the scenario file, every file it extends, the data
  folder) and stops cleanly on Ctrl-C (SIGINT) or SIGTERM, shutting the kernel down.

Needs the ``[preview]`` extra (watchfiles, tornado).
"""
