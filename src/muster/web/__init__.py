"""The pages Muster serves itself (kiosk, and the admin pages): server-rendered Jinja2
templates and small ES modules, with no build step and no CDN, so they work offline."""
