/** Who the chat is with, and whether they are there: presence or last seen, or the group's members online. */
import { BlockButton } from "../account/BlockButton";
import type { ConversationFieldsFragment } from "../gql/graphql";
import { Avatar } from "../ui/Avatar";
import { directPartner, statusText } from "../ui/presence";
import { navigate } from "../ui/route";

export function ChatHeader({
  conversation,
  viewerId,
  now,
}: {
  conversation: ConversationFieldsFragment;
  viewerId: string;
  now: Date;
}) {
  const partner = directPartner(conversation, viewerId);
  const status = statusText(conversation, viewerId, now);
  return (
    <header className="chat-header">
      <button type="button" className="back icon" onClick={() => navigate("/")} aria-label="Back">
        ‹
      </button>
      <span className="row-avatar">
        <Avatar name={conversation.displayTitle} url={partner?.user.avatarUrl} size={38} />
        {partner && <span className="presence-dot" data-status={partner.user.presence.status.toLowerCase()} />}
      </span>
      <div className="chat-heading">
        <h2 id="chat-title" data-testid="chat-title">
          {conversation.displayTitle}
        </h2>
        <span className="chat-status" data-testid="chat-status">
          {status}
        </span>
      </div>
      {partner && <BlockButton userId={partner.user.id} name={partner.user.displayName} />}
    </header>
  );
}
