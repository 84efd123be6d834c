"""The JSON renderers: contacts, conversations, messages, inboxes, agents and teams, as Chatwoot's views write them."""

from __future__ import annotations

from typing import Any

from .access import Access
from .helpers import ACTIVITY, INCOMING, _iso

_TEAM_KEYS = ("id", "name", "description", "allow_auto_assign", "account_id")  # what both team views start with


def _to_i(ts: float | None) -> int:
    """Rails' ``time.to_i`` on a nullable column: null becomes 0."""
    return 0 if ts is None else int(ts)


class Views(Access):
    """The partials, each named after the view or method it copies (``_message_json`` is ``_message``)."""

    def _inbox_slim(self, inbox: dict) -> dict[str, Any]:
        return {
            "id": inbox["id"],
            "avatar_url": "",
            "channel_id": inbox["channel_id"],
            "name": inbox["name"],
            "channel_type": inbox["channel_type"],
            "provider": inbox["channel"].get("provider"),
        }

    def _inbox_raw(self, inbox: dict) -> dict[str, Any]:
        keys = [
            "id",
            "channel_id",
            "account_id",
            "name",
            "created_at",
            "updated_at",
            "channel_type",
            "enable_auto_assignment",
            "greeting_enabled",
            "greeting_message",
            "email_address",
            "working_hours_enabled",
            "out_of_office_message",
            "timezone",
            "enable_email_collect",
            "csat_survey_enabled",
            "allow_messages_after_resolved",
            "auto_assignment_config",
            "lock_to_single_conversation",
            "portal_id",
            "sender_name_type",
            "business_name",
            "csat_config",
        ]
        row = {k: inbox[k] for k in keys}
        row["created_at"] = _iso(inbox["created_at"])
        row["updated_at"] = _iso(inbox["updated_at"])
        return row

    def _inbox_json(self, inbox: dict, viewer: dict) -> dict[str, Any]:
        channel = inbox["channel"]
        widget = inbox["channel_type"] == "Channel::WebWidget"
        hours = []
        for day in range(7):
            weekday = 1 <= day <= 5
            hours.append(
                {
                    "day_of_week": day,
                    "closed_all_day": not weekday,
                    "open_hour": 9 if weekday else None,
                    "open_minutes": 0 if weekday else None,
                    "close_hour": 17 if weekday else None,
                    "close_minutes": 0 if weekday else None,
                    "open_all_day": False,
                }
            )
        script = None
        if widget and self._server is not None:
            script = (
                '<script>(function(d,t){var BASE_URL="' + self.url + '";var g=d.createElement(t),'
                's=d.getElementsByTagName(t)[0];g.src=BASE_URL+"/packs/js/sdk.js";g.async=true;'
                "s.parentNode.insertBefore(g,s);g.onload=function(){window.chatwootSDK.run({websiteToken:'"
                + channel["website_token"]
                + '\',baseUrl:BASE_URL})}})(document,"script");</script>'
            )
        out = {
            "id": inbox["id"],
            "avatar_url": "",
            "channel_id": inbox["channel_id"],
            "name": inbox["name"],
            "channel_type": inbox["channel_type"],
            "greeting_enabled": inbox["greeting_enabled"],
            "greeting_message": inbox["greeting_message"],
            "working_hours_enabled": inbox["working_hours_enabled"],
            "enable_email_collect": inbox["enable_email_collect"],
            "csat_survey_enabled": inbox["csat_survey_enabled"],
            "csat_config": inbox["csat_config"],
            "enable_auto_assignment": inbox["enable_auto_assignment"],
            "auto_assignment_config": inbox["auto_assignment_config"],
            "out_of_office_message": inbox["out_of_office_message"],
            "working_hours": hours,
            "timezone": inbox["timezone"],
            "callback_webhook_url": None,
            "allow_messages_after_resolved": inbox["allow_messages_after_resolved"],
            "lock_to_single_conversation": inbox["lock_to_single_conversation"],
            "sender_name_type": inbox["sender_name_type"],
            "business_name": inbox["business_name"],
            "allowed_domains": channel.get("allowed_domains") if widget else None,
            "widget_color": channel.get("widget_color") if widget else None,
            "website_url": channel.get("website_url") if widget else None,
            "hmac_mandatory": channel.get("hmac_mandatory", False) if widget else False,
            "welcome_title": channel.get("welcome_title") if widget else None,
            "welcome_tagline": channel.get("welcome_tagline") if widget else None,
            "web_widget_script": script,
            "website_token": channel.get("website_token") if widget else None,
            "selected_feature_flags": channel.get("selected_feature_flags") if widget else None,
            "reply_time": channel.get("reply_time") if widget else None,
            "messaging_service_sid": None,
            "phone_number": channel.get("phone_number"),
        }
        channel_type = inbox["channel_type"]
        if channel_type == "Channel::Email":
            out["email"] = channel["email"]
            out["forwarding_enabled"] = channel["forwarding_enabled"]
        elif channel_type == "Channel::Api":
            if self._is_admin(viewer):
                out["hmac_token"] = channel["hmac_token"]
            out["webhook_url"] = channel["webhook_url"]
            out["inbox_identifier"] = channel["inbox_identifier"]
            out["additional_attributes"] = channel["additional_attributes"]
        out["provider"] = channel.get("provider")
        if channel_type == "Channel::Telegram":
            out["bot_name"] = channel.get("bot_name")
        elif channel_type == "Channel::Whatsapp":
            out["message_templates"] = channel.get("message_templates", [])
            if self._is_admin(viewer):
                out["provider_config"] = channel.get("provider_config", {})
            out["reauthorization_required"] = False
        return out

    def _contact_json(self, contact: dict, *, with_inboxes: bool = False) -> dict[str, Any]:
        out = {
            "additional_attributes": contact["additional_attributes"],
            "availability_status": contact["availability_status"],
            "email": contact["email"],
            "id": contact["id"],
            "name": contact["name"],
            "phone_number": contact["phone_number"],
            "blocked": contact["blocked"],
            "identifier": contact["identifier"],
            "thumbnail": "",
            "custom_attributes": contact["custom_attributes"],
        }
        if contact["last_activity_at"] is not None:
            out["last_activity_at"] = contact["last_activity_at"]
        out["created_at"] = contact["created_at"]
        if with_inboxes:
            out["contact_inboxes"] = [
                {"source_id": ci["source_id"], "inbox": self._inbox_slim(self.inboxes[ci["inbox_id"]])}
                for ci in (self.contact_inboxes[i] for i in self._ci_by_contact.get(contact["id"], []))
            ]
        return out

    def _contact_push(self, contact: dict) -> dict[str, Any]:
        return {
            "additional_attributes": contact["additional_attributes"],
            "custom_attributes": contact["custom_attributes"],
            "email": contact["email"],
            "id": contact["id"],
            "identifier": contact["identifier"],
            "name": contact["name"],
            "phone_number": contact["phone_number"],
            "thumbnail": "",
            "blocked": contact["blocked"],
            "type": "contact",
        }

    @staticmethod
    def _available_name(user: dict) -> str:
        return user["display_name"] or user["name"]

    def _user_push(self, user: dict) -> dict[str, Any]:
        return {
            "id": user["id"],
            "name": user["name"],
            "available_name": self._available_name(user),
            "avatar_url": "",
            "type": "user",
            "availability_status": user["availability_status"],
            "thumbnail": "",
        }

    def _agent_json(self, user: dict) -> dict[str, Any]:
        out = {
            "id": user["id"],
            "account_id": 1,
            "availability_status": user["availability_status"],
            "auto_offline": user["auto_offline"],
            "confirmed": True,
            "email": user["email"],
            "provider": "email",
            "available_name": self._available_name(user),
        }
        if user["custom_attributes"]:
            out["custom_attributes"] = user["custom_attributes"]
        out.update({"name": user["name"], "role": user["role"], "thumbnail": "", "custom_role_id": None})
        return out

    def _team_json(self, team: dict, viewer: dict) -> dict[str, Any]:
        return {**{k: team[k] for k in _TEAM_KEYS}, "is_member": viewer["id"] in team["members"]}

    def _team_raw(self, team: dict) -> dict[str, Any]:
        return {
            **{k: team[k] for k in _TEAM_KEYS},
            "created_at": _iso(team["created_at"]),
            "updated_at": _iso(team["updated_at"]),
        }

    def _agent_bot_slim(self, bot: dict) -> dict[str, Any]:
        """``_agent_bot_slim``: no outgoing_url for a system bot (one without an account)."""
        out = {"id": bot["id"], "name": bot["name"], "description": bot["description"], "thumbnail": ""}
        if bot["account_id"] is not None:
            out["outgoing_url"] = bot["outgoing_url"]
        out["bot_type"] = bot["bot_type"]
        return out

    def _sender_push(self, message: dict) -> dict[str, Any] | None:
        sender = self._sender(message["sender_type"], message["sender_id"])
        if sender is None:
            return None
        if message["sender_type"] == "Contact":
            return self._contact_push(sender)
        if message["sender_type"] == "AgentBot":
            return {"id": sender["id"], "name": sender["name"], "avatar_url": "", "type": "agent_bot"}
        return self._user_push(sender)

    def _attachments_json(self, message: dict) -> list[dict[str, Any]]:
        out = []
        for att in message["attachments"]:
            data_url = self._attachment_url(att)
            out.append(
                {
                    "id": att["id"],
                    "message_id": att["message_id"],
                    "file_type": att["file_type"],
                    "account_id": att["account_id"],
                    "extension": att["extension"],
                    "data_url": data_url,
                    "thumb_url": data_url if att["file_type"] == "image" else "",
                    "file_size": att["file_size"],
                    "width": None,
                    "height": None,
                }
            )
        return out

    def _message_json(self, message: dict) -> dict[str, Any]:
        """The ``_message`` partial (messages list, message create)."""
        out: dict[str, Any] = {"id": message["id"], "content": message["content"], "inbox_id": message["inbox_id"]}
        if message["echo_id"] is not None:
            out["echo_id"] = message["echo_id"]
        out.update(
            {
                "conversation_id": message["conversation_id"],
                "message_type": message["message_type"],
                "content_type": message["content_type"],
                "status": message["status"],
                "content_attributes": message["content_attributes"],
                "created_at": message["created_at"],
                "private": message["private"],
                "source_id": message["source_id"],
            }
        )
        sender = self._sender_push(message)
        if sender is not None:
            out["sender"] = sender
        if message["attachments"]:
            out["attachments"] = self._attachments_json(message)
        return out

    def _message_push(self, message: dict, conv: dict, unread: int) -> dict[str, Any]:
        """``push_event_data`` (inside conversations)."""
        ci = self.contact_inboxes.get(conv["contact_inbox_id"])
        out: dict[str, Any] = {
            "id": message["id"],
            "content": message["content"],
            "account_id": message["account_id"],
            "inbox_id": message["inbox_id"],
            "conversation_id": message["conversation_id"],
            "message_type": message["message_type"],
            "created_at": message["created_at"],
            "updated_at": _iso(message["updated_at"]),
            "private": message["private"],
            "status": message["status"],
            "source_id": message["source_id"],
            "content_type": message["content_type"],
            "content_attributes": message["content_attributes"],
            "sender_type": message["sender_type"],
            "sender_id": message["sender_id"],
            "external_source_ids": {},
            "additional_attributes": message["additional_attributes"],
            "processed_message_content": message["processed_message_content"],
            "sentiment": {},
            "conversation": {
                "assignee_id": conv["assignee_id"],
                "unread_count": unread,
                "last_activity_at": conv["last_activity_at"],
                "contact_inbox": {"source_id": ci["source_id"] if ci else None},
            },
        }
        if message["echo_id"] is not None:
            out["echo_id"] = message["echo_id"]
        if message["attachments"]:
            out["attachments"] = self._attachments_json(message)
        sender = self._sender_push(message)
        if sender is not None:
            out["sender"] = sender
        return out

    def _unread_count(self, conv: dict) -> int:
        seen = conv["agent_last_seen_at"]
        count = 0
        for message_id in reversed(conv["message_ids"]):
            message = self.messages[message_id]
            if seen is not None and message["created_at"] <= seen:
                break
            if message["message_type"] == INCOMING:
                count += 1
                if count >= 10:
                    break
        return count

    def _conversation_json(self, conv: dict, viewer: dict) -> dict[str, Any]:
        contact = self.contacts[conv["contact_id"]]
        inbox = self.inboxes[conv["inbox_id"]]
        meta: dict[str, Any] = {"sender": self._contact_json(contact), "channel": inbox["channel_type"]}
        bot = self.agent_bots.get(conv["assignee_agent_bot_id"]) if conv["assignee_agent_bot_id"] else None
        assignee = self.users.get(conv["assignee_id"]) if conv["assignee_id"] else None
        if bot is not None:  # assigned_entity: the agent bot wins over a user
            meta["assignee"] = self._agent_bot_slim(bot)
            meta["assignee_type"] = "AgentBot"
        elif assignee is not None:
            meta["assignee"] = self._agent_json(assignee)
            meta["assignee_type"] = "User"
        team = self.teams.get(conv["team_id"]) if conv["team_id"] else None
        if team is not None:
            meta["team"] = self._team_json(team, viewer)
        meta["hmac_verified"] = False
        unread = self._unread_count(conv)
        ids = conv["message_ids"]
        latest = [self._message_push(self.messages[ids[-1]], conv, unread)] if ids else []
        last_non_activity = None
        for message_id in reversed(ids):
            if self.messages[message_id]["message_type"] != ACTIVITY:
                last_non_activity = self._message_push(self.messages[message_id], conv, unread)
                break
        return {
            "meta": meta,
            "id": conv["id"],
            "messages": latest,
            "account_id": conv["account_id"],
            "uuid": conv["uuid"],
            "additional_attributes": conv["additional_attributes"],
            "agent_last_seen_at": _to_i(conv["agent_last_seen_at"]),
            "assignee_last_seen_at": _to_i(conv["assignee_last_seen_at"]),
            "can_reply": True,
            "contact_last_seen_at": _to_i(conv["contact_last_seen_at"]),
            "custom_attributes": conv["custom_attributes"],
            "inbox_id": conv["inbox_id"],
            "labels": list(conv["labels"]),
            "muted": conv["muted"],
            "snoozed_until": _iso(conv["snoozed_until"]),
            "status": conv["status"],
            "created_at": conv["created_at"],
            "updated_at": conv["updated_at"],
            "timestamp": conv["last_activity_at"],
            "first_reply_created_at": _to_i(conv["first_reply_created_at"]),
            "unread_count": unread,
            "last_non_activity_message": last_non_activity,
            "last_activity_at": conv["last_activity_at"],
            "priority": conv["priority"],
            "waiting_since": _to_i(conv["waiting_since"]),
            "sla_policy_id": None,
        }
