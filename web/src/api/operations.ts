/**
 * Every GraphQL document the app sends. Types come from codegen (src/gql), which reads
 * ../schema.graphql: a rename on the server breaks `npm run typecheck`, not the user.
 */
import { graphql } from "../gql";

export const UserFields = graphql(`
  fragment UserFields on User {
    id
    username
    displayName
    avatarUrl
    presence {
      status
      lastSeenAt
    }
  }
`);

export const MessageFields = graphql(`
  fragment MessageFields on Message {
    id
    conversationId
    seq
    content
    clientMessageId
    createdAt
    editedAt
    deletedAt
    cursor
    status
    deliveredCount
    readCount
    recipientCount
    sender {
      id
      displayName
      username
      avatarUrl
    }
    replyTo {
      id
      seq
      content
      deletedAt
      sender {
        id
        displayName
      }
    }
    mentions {
      id
      username
    }
    reactions {
      emoji
      count
      reactedByViewer
      users(first: 10) {
        id
        displayName
      }
    }
  }
`);

export const ConversationFields = graphql(`
  fragment ConversationFields on Conversation {
    id
    kind
    title
    displayTitle
    lastMessageAt
    createdAt
    unreadCount
    unreadMentionCount
    participantCount
    viewerState {
      muted
      mutedUntil
      archived
      pinned
      pinnedAt
    }
    participants {
      role
      lastReadSeq
      user {
        ...UserFields
      }
    }
    lastMessage {
      ...MessageFields
    }
  }
`);

export const AuthFields = graphql(`
  fragment AuthFields on AuthPayload {
    accessToken
    refreshToken
    accessTokenExpiresAt
    refreshTokenExpiresAt
    user {
      id
      displayName
      username
    }
  }
`);

export const LoginMutation = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      ...AuthFields
    }
  }
`);

export const RegisterMutation = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...AuthFields
    }
  }
`);

export const RefreshMutation = graphql(`
  mutation Refresh($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      ...AuthFields
    }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`);

export const MeQuery = graphql(`
  query Me {
    me {
      email
      user {
        ...UserFields
      }
      settings {
        shareReadReceipts
        sharePresence
      }
    }
  }
`);

export const ConversationsQuery = graphql(`
  query Conversations($first: Int = 100, $after: String) {
    conversations(first: $first, after: $after) {
      edges {
        cursor
        node {
          ...ConversationFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ConversationQuery = graphql(`
  query Conversation($id: ID!) {
    conversation(id: $id) {
      ...ConversationFields
    }
  }
`);

export const UnreadQuery = graphql(`
  query Unread($id: ID!) {
    conversation(id: $id) {
      id
      unreadCount
    }
  }
`);

export const MessagesQuery = graphql(`
  query Messages($conversationId: ID!, $last: Int, $before: String, $first: Int, $afterSeq: Int) {
    messages(conversationId: $conversationId, last: $last, before: $before, first: $first, afterSeq: $afterSeq) {
      edges {
        cursor
        node {
          ...MessageFields
        }
      }
      pageInfo {
        hasPreviousPage
        hasNextPage
        startCursor
        endCursor
      }
    }
  }
`);

export const ReadByQuery = graphql(`
  query ReadBy($id: ID!) {
    message(id: $id) {
      id
      readCount
      readBy {
        readAt
        user {
          id
          displayName
          username
        }
      }
    }
  }
`);

export const SearchUsersQuery = graphql(`
  query SearchUsers($query: String!) {
    searchUsers(query: $query, first: 20) {
      ...UserFields
    }
  }
`);

export const CreateConversationMutation = graphql(`
  mutation CreateConversation($input: CreateConversationInput!) {
    createConversation(input: $input) {
      ...ConversationFields
    }
  }
`);

export const SendMessageMutation = graphql(`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) {
      ...MessageFields
    }
  }
`);

export const EditMessageMutation = graphql(`
  mutation EditMessage($messageId: ID!, $content: String!) {
    editMessage(messageId: $messageId, content: $content) {
      ...MessageFields
    }
  }
`);

export const DeleteMessageMutation = graphql(`
  mutation DeleteMessage($messageId: ID!) {
    deleteMessage(messageId: $messageId) {
      ...MessageFields
    }
  }
`);

export const AddReactionMutation = graphql(`
  mutation AddReaction($messageId: ID!, $emoji: String!) {
    addReaction(messageId: $messageId, emoji: $emoji) {
      ...MessageFields
    }
  }
`);

export const RemoveReactionMutation = graphql(`
  mutation RemoveReaction($messageId: ID!, $emoji: String!) {
    removeReaction(messageId: $messageId, emoji: $emoji) {
      ...MessageFields
    }
  }
`);

export const MarkReadMutation = graphql(`
  mutation MarkRead($conversationId: ID!, $messageId: ID!) {
    markRead(conversationId: $conversationId, messageId: $messageId) {
      lastReadSeq
      lastReadAt
    }
  }
`);

export const SetTypingMutation = graphql(`
  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {
    setTyping(conversationId: $conversationId, isTyping: $isTyping)
  }
`);

// afterSeqs: resumed after a reconnect, each conversation after the highest seq held (resume.ts).
export const MessageAddedSubscription = graphql(`
  subscription MessageAdded($afterSeqs: [ConversationSeqInput!]) {
    messageAdded(afterSeqs: $afterSeqs) {
      ...MessageFields
    }
  }
`);

export const MessageUpdatedSubscription = graphql(`
  subscription MessageUpdated {
    messageUpdated {
      ...MessageFields
    }
  }
`);

export const ConversationUpdatedSubscription = graphql(`
  subscription ConversationUpdated {
    conversationUpdated {
      ...ConversationFields
    }
  }
`);

export const ReceiptUpdatedSubscription = graphql(`
  subscription ReceiptUpdated($conversationId: ID!) {
    receiptUpdated(conversationId: $conversationId) {
      conversationId
      receipts {
        lastDeliveredSeq
        lastReadSeq
        readAt
        user {
          id
        }
      }
      counts {
        messageId
        seq
        deliveredCount
        readCount
        recipientCount
      }
    }
  }
`);

// Without a conversationId: typing in every conversation of the viewer's (the list's rows).
export const TypingSubscription = graphql(`
  subscription Typing($conversationId: ID) {
    typing(conversationId: $conversationId) {
      conversationId
      isTyping
      user {
        id
        displayName
      }
    }
  }
`);

export const PresenceSubscription = graphql(`
  subscription Presence {
    presenceChanged {
      status
      lastSeenAt
      user {
        id
      }
    }
  }
`);
