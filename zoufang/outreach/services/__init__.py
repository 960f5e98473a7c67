"""State changes of outreach, by concern:

- `public`: what residents send through the public page, forwarded to the findings ledger or
  the beat team's list, the moderation queue's decisions, the status check;
- `drives`: drive events and their leaflets;
- `leaflets`: stock issued to units;
- `photos`: the size and type checks of uploaded photos.
"""
