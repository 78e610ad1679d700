/** The chat route: the conversation once known, a skeleton while loading, or why it cannot open. */
import { useQuery } from "urql";
import { goneConversations } from "../api/live";
import { ConversationQuery } from "../api/operations";
import { navigate } from "../ui/route";
import { useStore } from "../util/store";
import { Chat } from "./ChatView";
import { LogSkeleton } from "./LogSkeleton";

export function ChatGone() {
  return (
    <section className="chat chat-empty" data-testid="chat-gone">
      <p>You are no longer in this conversation</p>
      <button type="button" onClick={() => navigate("/")}>
        Back to conversations
      </button>
    </section>
  );
}

export function ChatScreen({ conversationId, viewerId }: { conversationId: string; viewerId: string }) {
  const [{ data, fetching }, refetch] = useQuery({
    query: ConversationQuery,
    variables: { id: conversationId },
    requestPolicy: "cache-first",
  });
  const gone = useStore(goneConversations).has(conversationId);
  if (gone) return <ChatGone />;
  const conversation = data?.conversation;
  if (!conversation) {
    // Settled without the conversation: failed, also when Graphcache's offlineExchange turned a
    // network failure into a cache-only answer without data and without an error.
    if (!fetching) {
      return (
        <section className="chat chat-empty" data-testid="chat" role="alert">
          <p>Couldn't open this conversation.</p>
          <button type="button" onClick={() => refetch({ requestPolicy: "network-only" })}>
            Retry
          </button>
        </section>
      );
    }
    return (
      <section className="chat" data-testid="chat" aria-busy="true">
        <div className="chat-header">
          <span className="skeleton skeleton-circle" data-testid="skeleton" />
          <span className="skeleton skeleton-line" />
        </div>
        <LogSkeleton />
      </section>
    );
  }
  return <Chat key={conversation.id} conversation={conversation} viewerId={viewerId} />;
}
