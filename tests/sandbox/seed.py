"""The deterministic seed data (users, inboxes, teams, contacts, conversations and their scripts) and the seeding."""

from __future__ import annotations

import random
import uuid
from typing import Any

from .activity import ActivitySeeding
from .helpers import ACTIVITY, BASE_TIME, INCOMING, OUTGOING, _is_resolved, _iso

# fmt: off
# name, email, phone_number, identifier, additional_attributes, custom_attributes, labels
_SEED_CONTACTS: list[tuple[Any, ...]] = [
    ("Jane Doe", "jane.doe@example.com", "+4915112345678", "cust-1042",
     {"company_name": "Acme GmbH", "city": "Berlin", "country": "Germany", "country_code": "de"},
     {"plan": "pro"}, ["customer"]),
    ("José Álvarez", "jose.alvarez@example.com", "+34612345678", None,
     {"company_name": "Tiendas Sol", "city": "Madrid", "country": "Spain", "country_code": "es"},
     {"plan": "enterprise", "seats": 25}, ["vip"]),
    ("Zoë Müller", "zoe.mueller@example.de", "+4917612345678", "cust-2001",
     {"city": "München", "country": "Germany", "country_code": "de"}, {}, []),
    ("Liam O'Brien", "liam.obrien@example.ie", "+353871234567", None,
     {"city": "Dublin", "country": "Ireland", "country_code": "ie"}, {}, []),
    ("Priya Sharma", "priya.sharma@example.in", "+919812345678", "cust-3003",
     {"company_name": "Sharma Textiles", "city": "Bengaluru", "country": "India", "country_code": "in"},
     {"plan": "pro", "seats": 5}, ["churn-risk"]),
    ("Mateus Oliveira", "mateus.oliveira@example.com.br", "+5511987654321", None,
     {"city": "São Paulo", "country": "Brazil", "country_code": "br"}, {"plan": "free"}, []),
    ("Emma Johansson", "emma.johansson@example.se", None, None,
     {"company_name": "Nordlys AB", "city": "Stockholm", "country": "Sweden", "country_code": "se"},
     {"plan": "free"}, []),
    ("Kenji Watanabe", "kenji.watanabe@example.jp", "+819012345678", None,
     {"city": "Tokyo", "country": "Japan", "country_code": "jp"}, {}, []),
    ("Fatima Zahra", "fatima.zahra@example.ma", "+212612345678", None,
     {"city": "Casablanca", "country": "Morocco", "country_code": "ma"}, {}, []),
    ("Noah Williams", "noah.williams@example.com", "+14155550123", "cust-1077",
     {"company_name": "Globex Corp", "city": "San Francisco", "country": "United States", "country_code": "us"},
     {"plan": "enterprise", "seats": 40}, ["vip", "enterprise"]),
    ("Chloé Dubois", "chloe.dubois@example.fr", "+33612345678", None,
     {"city": "Paris", "country": "France", "country_code": "fr"}, {"plan": "pro"}, []),
    ("Olivia Brown", "olivia.brown@example.co.uk", "+447700900123", None,
     {"company_name": "Brown & Co", "city": "London", "country": "United Kingdom", "country_code": "gb"},
     {"plan": "pro"}, ["vip"]),
    ("Ahmed Hassan", "ahmed.hassan@example.com", None, "cust-4410",
     {"city": "Cairo", "country": "Egypt", "country_code": "eg"}, {}, []),
    ("Sofia Rossi", "sofia.rossi@example.it", "+393471234567", None,
     {"city": "Milano", "country": "Italy", "country_code": "it"}, {}, []),
    ("Lucas Martin", "lucas.martin@example.com", "+15125550188", None,
     {"company_name": "Initech", "city": "Austin", "country": "United States", "country_code": "us"},
     {"plan": "free", "signup_source": "webinar"}, []),
    ("Łukasz Nowak", "lukasz.nowak@example.pl", "+48501234567", None,
     {"city": "Warszawa", "country": "Poland", "country_code": "pl"}, {}, []),
    ("Mia Schneider", None, "+4915223456789", None, {}, {}, []),
    ("WhatsApp 5521", None, None, "wa-5521", {}, {}, []),
    ("Ava Thompson", "ava.thompson@example.com", "+61412345678", None,
     {"city": "Sydney", "country": "Australia", "country_code": "au"}, {}, []),
    ("Carlos Mendes", None, None, None, {}, {}, []),
    ("Hana Kim", None, None, None, {}, {}, []),
    ("Website Visitor 4821", None, None, None, {}, {}, []),
]
_ONLINE_CONTACT = 4  # Liam O'Brien: "online", so deleting him gives the 422 quirk
_BLOCKED_CONTACT = 19  # Ava Thompson

_LONG = "long"  # placeholder script for the long conversation (display id 7)

# contact, inbox, status, assignee, team, labels, priority, hours before BASE_TIME, custom_attributes,
# script: ("in"|"out"|"note"|"act", text) -- "out"/"note" are written by the assignee (Owner if none)
_SEED_CONVERSATIONS: list[tuple[Any, ...]] = [
    (1, 2, "open", 2, 1, ["billing"], "high", 2, {"order_id": "A-1001"}, [
        ("in", "Hi, my order A-1001 hasn't arrived yet. It's been 10 days."),
        ("act", "Conversation was assigned to Ana Silva"),
        ("out", "Thanks Jane, we're checking with the carrier now."),
        ("in", "Any update? I need it before Friday."),
    ]),
    (2, 1, "open", None, None, ["vip"], "urgent", 5, {}, [
        ("in", "Hola, ¿pueden ayudarme con la factura de febrero? El importe está duplicado."),
        ("in", "El número de pedido es A-0988."),
    ]),
    (3, 3, "pending", 3, 2, ["bug"], "medium", 30, {}, [
        ("in", 'Export to CSV fails with "error 500" since the last update.'),
        ("out", "Thanks for the report, Zoë. Which browser do you use?"),
        ("in", "Firefox 134 on Linux."),
        ("note", "Reproduced on staging; filed ENG-231 for the platform team."),
    ]),
    (4, 1, "resolved", 2, None, [], None, 72, {}, [
        ("in", "How do I change my delivery address?"),
        ("out", "You can change it under Account → Addresses before the order ships."),
        ("in", "Found it, thanks!"),
        ("act", "Conversation was marked resolved by Ana Silva"),
    ]),
    (5, 2, "snoozed", 3, 1, ["billing", "refund"], "low", 48, {"order_id": "A-0977", "refund_amount": 49.9}, [
        ("in", "I was charged twice for order A-0977."),
        ("out", "Sorry about that, Priya. I've asked finance to refund the duplicate charge."),
        ("note", "Finance ticket FIN-88; refund expected within 3 business days."),
    ]),
    (6, 1, "open", 4, 2, ["bug"], None, 1, {}, [
        ("in", "O app trava quando abro o carrinho."),
        ("in", "Acontece no Android 14."),
    ]),
    (10, 2, "open", 2, 2, ["vip", "bug"], "high", 10, {}, _LONG),
    (7, 3, "open", None, 1, ["billing"], None, 20, {}, [
        ("in", "Please send a VAT invoice for our last payment."),
    ]),
    (8, 1, "pending", None, None, [], None, 3, {}, [
        ("in", "注文をキャンセルしたいです。注文番号は A-1110 です。"),
    ]),
    (9, 2, "resolved", 3, None, [], None, 120, {}, [
        ("in", "Is there an API rate limit?"),
        ("out", "Yes: 3000 requests per minute per IP by default."),
        ("act", "Conversation was marked resolved by Bruno Costa"),
    ]),
    (11, 3, "open", 2, 1, ["refund"], "medium", 8, {"order_id": "A-1043"}, [
        ("in", "Bonjour, je souhaite un remboursement pour la commande A-1043."),
        ("out", "Bonjour Chloé, pouvez-vous confirmer le motif du retour ?"),
        ("in", "Le produit est arrivé endommagé."),
    ]),
    (12, 1, "open", 1, None, ["vip"], None, 6, {}, [
        ("in", "Can we get a quote for 50 more seats?"),
        ("out", "Of course, Olivia. I'll send it over today."),
    ]),
    (13, 2, "snoozed", 4, None, [], None, 36, {}, [
        ("in", "Our webhook stopped receiving events."),
        ("out", "We're rolling out a fix; I'll follow up when you can retest."),
    ]),
    (14, 1, "resolved", 2, None, ["bug"], None, 96, {}, [
        ("in", "The password reset email never arrives."),
        ("out", "It was stuck in our mail queue; it should arrive now."),
        ("in", "Got it."),
        ("act", "Conversation was marked resolved by Ana Silva"),
    ]),
    (15, 3, "open", 3, 2, [], "low", 12, {}, [
        ("in", "Question about SSO with Okta."),
        ("out", "SSO is on the enterprise plan; happy to walk you through it."),
        ("in", "What would the upgrade cost for 12 users?"),
    ]),
    (16, 2, "pending", None, None, [], None, 4, {}, [
        ("in", "Dzień dobry, czy mogę zmienić plan w trakcie okresu rozliczeniowego?"),
    ]),
    (17, 2, "open", None, None, [], None, 0.5, {}, [
        ("in", "Hi! Is the store open on Sunday?"),
    ]),
    (18, 2, "open", 4, None, [], None, 15, {}, [
        ("in", "Where is my package? Tracking says delivered."),
        ("out", "Checking with the courier, one moment."),
    ]),
    (19, 1, "resolved", 2, None, [], None, 200, {}, [
        ("in", "Buy 10,000 followers now!!! <a href='http://spam.example'>click</a>"),
        ("note", "Spam; contact blocked."),
        ("act", "Conversation was marked resolved by Ana Silva"),
    ]),
    (1, 3, "resolved", 2, 1, ["billing"], None, 400, {}, [
        ("in", "Can I get last year's invoices in one PDF?"),
        ("out", "Sure, Jane. I've emailed the combined PDF."),
        ("act", "Conversation was marked resolved by Ana Silva"),
    ]),
    (10, 1, "open", None, None, ["vip"], "urgent", 7, {}, [
        ("in", "Dashboard is down for our whole team!"),
        ("in", "Error: 'upstream connect error'"),
        ("in", "Please call me at +1 415 555 0123."),
    ]),
    (5, 1, "open", 2, None, [], None, 9, {}, [
        ("in", "How do I add a teammate?"),
        ("out", "Settings → Team → Invite. They'll get an email."),
    ]),
    (12, 3, "pending", 3, 1, ["refund"], "medium", 26, {"order_id": "A-1102"}, [
        ("in", "Requesting a refund for the unused months."),
        ("note", "Needs manager approval (over £500)."),
    ]),
    (8, 2, "open", 3, 2, ["bug"], "high", 11, {}, [
        ("in", "API returns 422 when the phone number has spaces."),
        ("out", "Phone numbers must be E.164, e.g. +819012345678."),
        ("in", "Understood, but the error message could be clearer."),
        ("note", "Suggest better validation copy to product."),
    ]),
    (11, 1, "resolved", 4, None, [], None, 150, {}, [
        ("in", "Merci pour votre aide !"),
        ("act", "Conversation was marked resolved by Chen Wei"),
    ]),
    (2, 2, "open", 1, 1, ["billing", "vip"], "high", 14, {}, [
        ("in", "We need to move to annual billing for 25 seats."),
        ("out", "Great, José. I'll prepare the contract."),
        ("note", "Offer 15% discount, approved by sales."),
    ]),
    (3, 1, "snoozed", 2, None, [], None, 60, {}, [
        ("in", "Remind me next week about the beta invite."),
        ("out", "Will do!"),
    ]),
    (15, 2, "open", 2, None, [], None, 13, {}, [
        ("act", "Conversation was created by Ana Silva"),
    ]),
    (14, 3, "open", None, None, [], None, 16, {}, [
        ("in", "Fattura errata per ordine A-1099."),
        ("note", "Forward to billing once someone is free."),
    ]),
    (6, 2, "resolved", 3, 2, ["bug"], None, 250, {}, [
        ("in", "The export job timed out."),
        ("out", "Fixed in release 4.10.1."),
        ("in", "Confirmed, works now."),
        ("act", "Conversation was marked resolved by Bruno Costa"),
    ]),
]
# fmt: on
_SNOOZED_UNTIL = {5: BASE_TIME + 3 * 86400, 13: None, 27: BASE_TIME + 7 * 86400}
_MUTED = {19}
_BOT_ASSIGNED = {16: 1}  # display id -> agent bot: the Triage Bot holds the pending conversation 16
_LANGUAGES = {2: "es", 6: "pt", 9: "ja", 11: "fr", 16: "pl", 29: "it"}

_LONG_IN = [
    "We're seeing intermittent 502s from your API again.",
    "It happens on roughly one request in fifty.",
    "Here is another request id from the failing batch.",
    "Still failing from our EU region.",
    "Retrying helps, but our nightly sync takes twice as long.",
]
_LONG_OUT = [
    "Thanks, I've passed this to the on-call engineer.",
    "Could you send the request ids and timestamps (UTC)?",
    "We deployed a mitigation; please tell us if it recurs.",
    "Engineering is still investigating the load balancer logs.",
    "Noted, adding this to the incident timeline.",
]


def _long_script(count: int) -> list[tuple[str, str]]:
    script: list[tuple[str, str]] = []
    for index in range(count):
        number = index + 1
        if index == 1:
            script.append(("act", "Conversation was assigned to Ana Silva"))
        elif index % 40 == 20:
            script.append(("note", f"#{number} Internal: escalated to SRE, incident INC-{400 + index // 40}."))
        elif index % 2 == 0:
            script.append(("in", f"#{number} {_LONG_IN[(index // 2) % len(_LONG_IN)]}"))
        else:
            script.append(("out", f"#{number} {_LONG_OUT[(index // 2) % len(_LONG_OUT)]}"))
    return script


class Seeding(ActivitySeeding):
    """Builds the whole state from the seed; ``reset()`` runs it again."""

    TOKEN = "sandbox-token"  # the administrator's (Owner Admin, user 1)
    AGENT_TOKEN = "sandbox-agent-token"  # the second, agent-role token (Ana Silva, user 2)
    BOT_TOKEN = "sandbox-bot-token"  # an agent bot's (Triage Bot, agent bot 1 of account 1)
    ACCOUNT_ID = 1
    SUSPENDED_ACCOUNT_ID = 3
    BASE_TIME = BASE_TIME

    def _seed(self, extra_conversations: int, long_count: int) -> None:
        rng = random.Random(20260202)
        self._rng_uuid = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self._time_floor = 0.0
        self._seeding = True
        self._ids = {"contact": 0, "contact_inbox": 0, "message": 0, "attachment": 0, "conversation": 0}
        base = BASE_TIME

        self.accounts: dict[int, dict[str, Any]] = {
            1: {"id": 1, "name": "Acme Support", "status": "active"},
            2: {"id": 2, "name": "Other Co", "status": "active"},
            3: {"id": 3, "name": "Suspended Co", "status": "suspended"},
        }
        users = [
            (1, "Owner Admin", "Owner", "owner@acme.example", self.TOKEN, "administrator", "online", "available", True),
            (2, "Ana Silva", "Ana", "ana@acme.example", self.AGENT_TOKEN, "agent", "online", "available", True),
            (3, "Bruno Costa", None, "bruno@acme.example", "sandbox-bruno-token", "agent", "busy", "busy", True),
            (4, "Chen Wei", None, "chen@acme.example", "sandbox-chen-token", "agent", "offline", "offline", False),
        ]
        self.users: dict[int, dict[str, Any]] = {}
        for uid, name, display, email, token, role, availability, status, auto_offline in users:
            self.users[uid] = {
                "id": uid,
                "name": name,
                "display_name": display,
                "email": email,
                "access_token": token,
                "pubsub_token": f"sbxPubsub{uid}{name.split()[0]}Token",
                "role": role,
                "availability": availability,
                "availability_status": status,
                "auto_offline": auto_offline,
                "custom_attributes": {"languages": ["pt", "en"]} if uid == 3 else {},
                "account_ids": [1, 3] if uid == 1 else [1],
                "account_roles": {1: role, 3: "agent"} if uid == 1 else {1: role},
                "type": "user",
                "created_at": base - 400 * 86400 + uid * 3600,
            }
        # name, description, outgoing_url, account_id (None: a system bot, usable by every account), token
        bots = [
            (1, "Triage Bot", "Routes new conversations", "https://bots.acme.example/triage", 1, self.BOT_TOKEN),
            (2, "Captain", "Chatwoot's system bot", None, None, "sandbox-system-bot-token"),
            (3, "Other Co Bot", "A bot of account 2", "https://bots.other.example/hook", 2, "sandbox-other-bot-token"),
        ]
        self.agent_bots: dict[int, dict[str, Any]] = {
            bid: {
                "id": bid,
                "name": name,
                "description": description,
                "outgoing_url": url,
                "bot_type": "webhook",
                "account_id": account_id,
                "access_token": token,
                "inbox_ids": [],
                "type": "agent_bot",
            }
            for bid, name, description, url, account_id, token in bots
        }

        def inbox_row(iid: int, name: str, channel_type: str, members: list[int], **extra: Any) -> dict[str, Any]:
            created = base - 300 * 86400 + iid * 86400
            row = {
                "id": iid,
                "channel_id": 1,
                "account_id": 1,
                "name": name,
                "created_at": created,
                "updated_at": created,
                "channel_type": channel_type,
                "enable_auto_assignment": True,
                "greeting_enabled": False,
                "greeting_message": None,
                "email_address": None,
                "working_hours_enabled": False,
                "out_of_office_message": None,
                "timezone": "UTC",
                "enable_email_collect": True,
                "csat_survey_enabled": False,
                "allow_messages_after_resolved": True,
                "auto_assignment_config": {},
                "lock_to_single_conversation": False,
                "portal_id": None,
                "sender_name_type": "friendly",
                "business_name": None,
                "csat_config": {},
                "members": members,
                "channel": {},
            }
            row.update(extra)
            return row

        self.inboxes: dict[int, dict[str, Any]] = {
            1: inbox_row(
                1,
                "Website",
                "Channel::WebWidget",
                [2, 3],
                csat_survey_enabled=True,
                greeting_enabled=True,
                greeting_message="Hi there! We usually reply in a few minutes.",
                working_hours_enabled=True,
                timezone="Europe/Lisbon",
                out_of_office_message="We're away right now; we'll email you back.",
                channel={
                    "website_url": "https://acme.example.com",
                    "widget_color": "#1F93FF",
                    "welcome_title": "Hi there! 🙌",
                    "welcome_tagline": "We make it simple to connect with us.",
                    "website_token": "sbxWebsiteToken7Yx2",
                    "hmac_mandatory": False,
                    "allowed_domains": "",
                    "selected_feature_flags": ["attachments", "emoji_picker", "end_conversation"],
                    "reply_time": "in_a_few_minutes",
                },
            ),
            2: inbox_row(
                2,
                "Support API",
                "Channel::Api",
                [2, 3, 4],
                csat_survey_enabled=True,
                channel={
                    "webhook_url": "https://hooks.example.com/chatwoot",
                    "inbox_identifier": "sbxApiInbox9Qw3Lm",
                    "additional_attributes": {},
                    "hmac_token": "sbxHmacToken4Kd8",
                },
            ),
            3: inbox_row(
                3,
                "Email",
                "Channel::Email",
                [3, 4],
                business_name="Acme Support",
                channel={"email": "support@acme.example", "forwarding_enabled": True},
            ),
            4: inbox_row(
                4, "SMS", "Channel::Sms", [2, 3, 4], channel={"phone_number": "+15005550006", "provider": "default"}
            ),
            5: inbox_row(
                5,
                "WhatsApp",
                "Channel::Whatsapp",
                [3],
                channel={"phone_number": "+15005550007", "provider": "whatsapp_cloud", "message_templates": []},
            ),
            6: inbox_row(6, "Telegram", "Channel::Telegram", [2], channel={"bot_name": "AcmeSupportBot"}),
        }
        # The account's custom attribute definitions: only these can be filtered on.
        self.custom_attribute_definitions: list[dict[str, Any]] = [
            {"attribute_key": key, "attribute_model": model, "attribute_display_type": display_type}
            for key, model, display_type in [
                ("plan", "contact_attribute", "list"),
                ("seats", "contact_attribute", "number"),
                ("signup_source", "contact_attribute", "text"),
                ("order_id", "conversation_attribute", "text"),
                ("refund_amount", "conversation_attribute", "number"),
            ]
        ]
        self.teams: dict[int, dict[str, Any]] = {
            1: {
                "id": 1,
                "name": "billing",
                "description": "Billing questions",
                "allow_auto_assign": True,
                "account_id": 1,
                "created_at": base - 250 * 86400,
                "updated_at": base - 250 * 86400,
                "members": [2, 3],
            },
            2: {
                "id": 2,
                "name": "tier-2",
                "description": "Escalations from the front line",
                "allow_auto_assign": False,
                "account_id": 1,
                "created_at": base - 240 * 86400,
                "updated_at": base - 200 * 86400,
                "members": [3, 4],
            },
        }
        canned = [
            ("refund", "We've processed your refund; it'll arrive in 3\u20135 business days."),
            ("shipping", "Orders ship within 2 business days. You'll get a tracking link by email."),
            ("greeting", "Hi {{contact.name}}, thanks for reaching out! How can we help?"),
            ("order-status", "You can track your order at https://acme.example.com/orders."),
        ]
        self.canned_responses: dict[int, dict[str, Any]] = {
            i: {
                "id": i,
                "account_id": 1,
                "short_code": code,
                "content": content,
                "created_at": base - (90 - i) * 86400,
                "updated_at": base - (90 - i) * 86400,
            }
            for i, (code, content) in enumerate(canned, start=1)
        }
        label_defs = [
            ("billing", "Billing and invoices", "#1F93FF"),
            ("bug", "Product defects", "#8B5CF6"),
            ("churn-risk", "Customers at risk", "#F97316"),
            ("customer", "Paying customer", "#10B981"),
            ("enterprise", "Enterprise plan", "#0EA5E9"),
            ("refund", "Refund requests", "#EF4444"),
            ("vip", "Priority customers", "#F59E0B"),
        ]
        self.labels: dict[int, dict[str, Any]] = {
            i: {"id": i, "title": t, "description": d, "color": c, "show_on_sidebar": True}
            for i, (t, d, c) in enumerate(label_defs, start=1)
        }

        self.contacts: dict[int, dict[str, Any]] = {}
        for index, (name, email, phone, identifier, addl, custom, labels) in enumerate(_SEED_CONTACTS, start=1):
            self._ids["contact"] = index
            self.contacts[index] = {
                "id": index,
                "account_id": 1,
                "name": name,
                "email": email,
                "phone_number": phone,
                "identifier": identifier,
                "blocked": index == _BLOCKED_CONTACT,
                "additional_attributes": dict(addl),
                "custom_attributes": dict(custom),
                "availability_status": "online" if index == _ONLINE_CONTACT else "offline",
                "last_activity_at": None,
                "created_at": base - (24 - index) * 9 * 86400 + index * 137,
                "labels": list(labels),
            }

        self.contact_inboxes: dict[int, dict[str, Any]] = {}
        self._ci_by_contact: dict[int, list[int]] = {}
        self.conversations: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.reporting_events: list[dict[str, Any]] = []
        self._events_by_conversation: dict[int, list[dict[str, Any]]] = {}

        for display_id, spec in enumerate(_SEED_CONVERSATIONS, start=1):
            contact_id, inbox_id, status, assignee, team, labels, priority, hours, custom, script = spec
            if script == _LONG:
                script = _long_script(long_count)
                step = 90
            else:
                step = 420
            start = base - int(hours * 3600)
            conv = self._new_conversation(
                display_id,
                self._pair_contact_inbox(contact_id, inbox_id),
                created_at=start,
                assignee_id=assignee,
                team_id=team,
                labels=labels,
                priority=priority,
                custom_attributes=custom,
                additional_attributes=self._seed_conversation_attributes(display_id, inbox_id, script, start),
            )
            author = assignee or 1
            last_agent = None
            for k, (kind, text) in enumerate(script):
                at = start + k * step
                if kind == "in":
                    self._add_message(conv, text, INCOMING, "Contact", contact_id, at=at)
                elif kind in ("out", "note"):
                    self._add_message(conv, text, OUTGOING, "User", author, at=at, private=kind == "note")
                    last_agent = at
                else:
                    self._add_message(conv, text, ACTIVITY, None, None, at=at)
            if status == "resolved":
                self._record_event("conversation_resolved", conv, start, at, assignee)
            conv["status"] = status
            conv["snoozed_until"] = _SNOOZED_UNTIL.get(display_id) if status == "snoozed" else None
            conv["muted"] = display_id in _MUTED
            conv["assignee_agent_bot_id"] = _BOT_ASSIGNED.get(display_id)
            conv["agent_last_seen_at"] = last_agent
            conv["assignee_last_seen_at"] = last_agent if assignee else None
            if inbox_id == 1 and conv["message_ids"]:
                conv["contact_last_seen_at"] = self.messages[conv["message_ids"][-1]]["created_at"] + 30
            conv["updated_at"] = conv["last_activity_at"] + 0.5 + display_id / 1000

        self._seed_week(int(self._now()) // 86400 * 86400)
        self._seed_extra(extra_conversations)
        self._time_floor = float(max([c["updated_at"] for c in self.conversations.values()] + [float(base)]) + 1)
        self._seeding = False

    def _seed_conversation_attributes(self, display_id: int, inbox_id: int, script: list, start: int) -> dict:
        attrs: dict[str, Any] = {}
        if inbox_id == 1:
            attrs = {
                "browser": {
                    "device_name": "Unknown",
                    "browser_name": "Chrome",
                    "platform_name": "macOS",
                    "browser_version": "132.0.0.0",
                    "platform_version": "14.2",
                },
                "referer": "https://acme.example.com/pricing" if display_id % 2 else "https://acme.example.com/help",
                "initiated_at": {"timestamp": _iso(start)},
                "browser_language": _LANGUAGES.get(display_id, "en"),
            }
        elif inbox_id == 3:
            first = next((text for kind, text in script if kind == "in"), "Support request")
            attrs = {"mail_subject": first[:60], "source": "email"}
        if display_id in _LANGUAGES:
            attrs["conversation_language"] = _LANGUAGES[display_id]
        return attrs

    def _seed_extra(self, count: int) -> None:
        if count <= 0:
            return
        resolved = [c["id"] for c in self.contacts.values() if _is_resolved(c)]
        assignees = [None, 2, 3, 4]
        first = len(self.conversations) + 1
        start_at = BASE_TIME - 600 * 3600
        for k in range(count):
            display_id = first + k
            contact_id = resolved[k % len(resolved)]
            inbox_id = 2 if k % 2 == 0 else 1
            at = start_at - k * 60
            conv = self._new_conversation(
                display_id,
                self._pair_contact_inbox(contact_id, inbox_id),
                created_at=at,
                assignee_id=assignees[k % 4],
                team_id=None,
                labels=[],
                priority=None,
                custom_attributes={},
                additional_attributes={},
            )
            self._add_message(
                conv,
                f"Extra conversation {display_id}: need help with order #{10000 + k}.",
                INCOMING,
                "Contact",
                contact_id,
                at=at,
            )
            conv["updated_at"] = at + 0.5
