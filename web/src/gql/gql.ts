/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Account {\n    me {\n      email\n      sessions {\n        id\n        device\n        createdAt\n        lastUsedAt\n        current\n      }\n      blockedUsers {\n        id\n        username\n        displayName\n        avatarUrl\n      }\n    }\n  }\n": typeof types.AccountDocument,
    "\n  query BlockedIds {\n    me {\n      blockedUsers {\n        id\n      }\n    }\n  }\n": typeof types.BlockedIdsDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n": typeof types.ChangePasswordDocument,
    "\n  mutation EndSession($id: ID!) {\n    endSession(id: $id)\n  }\n": typeof types.EndSessionDocument,
    "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password)\n  }\n": typeof types.DeleteAccountDocument,
    "\n  mutation BlockUser($userId: ID!) {\n    blockUser(userId: $userId) {\n      id\n    }\n  }\n": typeof types.BlockUserDocument,
    "\n  mutation UnblockUser($userId: ID!) {\n    unblockUser(userId: $userId) {\n      id\n    }\n  }\n": typeof types.UnblockUserDocument,
    "\n  fragment ConversationHead on Conversation {\n    id\n    unreadCount\n    unreadMentionCount\n    lastMessageAt\n    lastMessage {\n      id\n      seq\n    }\n  }\n": typeof types.ConversationHeadFragmentDoc,
    "\n  fragment MessageCounts on Message {\n    id\n    status\n    deliveredCount\n    readCount\n    recipientCount\n  }\n": typeof types.MessageCountsFragmentDoc,
    "\n  fragment PresenceOfUser on User {\n    id\n    presence {\n      status\n      lastSeenAt\n    }\n  }\n": typeof types.PresenceOfUserFragmentDoc,
    "\n  fragment UserFields on User {\n    id\n    username\n    displayName\n    avatarUrl\n    presence {\n      status\n      lastSeenAt\n    }\n  }\n": typeof types.UserFieldsFragmentDoc,
    "\n  fragment MessageFields on Message {\n    id\n    conversationId\n    seq\n    content\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    cursor\n    status\n    deliveredCount\n    readCount\n    recipientCount\n    sender {\n      id\n      displayName\n      username\n      avatarUrl\n    }\n    replyTo {\n      id\n      seq\n      content\n      deletedAt\n      sender {\n        id\n        displayName\n      }\n    }\n    mentions {\n      id\n      username\n    }\n    reactions {\n      emoji\n      count\n      reactedByViewer\n      users(first: 10) {\n        id\n        displayName\n      }\n    }\n  }\n": typeof types.MessageFieldsFragmentDoc,
    "\n  fragment ConversationFields on Conversation {\n    id\n    kind\n    title\n    displayTitle\n    lastMessageAt\n    createdAt\n    unreadCount\n    unreadMentionCount\n    participantCount\n    viewerState {\n      muted\n      mutedUntil\n      archived\n      pinned\n      pinnedAt\n    }\n    participants {\n      role\n      lastReadSeq\n      user {\n        ...UserFields\n      }\n    }\n    lastMessage {\n      ...MessageFields\n    }\n  }\n": typeof types.ConversationFieldsFragmentDoc,
    "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    refreshToken\n    accessTokenExpiresAt\n    refreshTokenExpiresAt\n    user {\n      id\n      displayName\n      username\n    }\n  }\n": typeof types.AuthFieldsFragmentDoc,
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...AuthFields\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...AuthFields\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n": typeof types.RefreshDocument,
    "\n  mutation Logout {\n    logout\n  }\n": typeof types.LogoutDocument,
    "\n  query Me {\n    me {\n      email\n      user {\n        ...UserFields\n      }\n      settings {\n        shareReadReceipts\n        sharePresence\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  query Conversations($first: Int = 100, $after: String) {\n    conversations(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...ConversationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ConversationsDocument,
    "\n  query Conversation($id: ID!) {\n    conversation(id: $id) {\n      ...ConversationFields\n    }\n  }\n": typeof types.ConversationDocument,
    "\n  query Unread($id: ID!) {\n    conversation(id: $id) {\n      id\n      unreadCount\n    }\n  }\n": typeof types.UnreadDocument,
    "\n  query Messages($conversationId: ID!, $last: Int, $before: String, $first: Int, $afterSeq: Int) {\n    messages(conversationId: $conversationId, last: $last, before: $before, first: $first, afterSeq: $afterSeq) {\n      edges {\n        cursor\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        hasNextPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": typeof types.MessagesDocument,
    "\n  query ReadBy($id: ID!) {\n    message(id: $id) {\n      id\n      readCount\n      readBy {\n        readAt\n        user {\n          id\n          displayName\n          username\n        }\n      }\n    }\n  }\n": typeof types.ReadByDocument,
    "\n  query SearchUsers($query: String!) {\n    searchUsers(query: $query, first: 20) {\n      ...UserFields\n    }\n  }\n": typeof types.SearchUsersDocument,
    "\n  mutation CreateConversation($input: CreateConversationInput!) {\n    createConversation(input: $input) {\n      ...ConversationFields\n    }\n  }\n": typeof types.CreateConversationDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n": typeof types.SendMessageDocument,
    "\n  mutation EditMessage($messageId: ID!, $content: String!) {\n    editMessage(messageId: $messageId, content: $content) {\n      ...MessageFields\n    }\n  }\n": typeof types.EditMessageDocument,
    "\n  mutation DeleteMessage($messageId: ID!) {\n    deleteMessage(messageId: $messageId) {\n      ...MessageFields\n    }\n  }\n": typeof types.DeleteMessageDocument,
    "\n  mutation AddReaction($messageId: ID!, $emoji: String!) {\n    addReaction(messageId: $messageId, emoji: $emoji) {\n      ...MessageFields\n    }\n  }\n": typeof types.AddReactionDocument,
    "\n  mutation RemoveReaction($messageId: ID!, $emoji: String!) {\n    removeReaction(messageId: $messageId, emoji: $emoji) {\n      ...MessageFields\n    }\n  }\n": typeof types.RemoveReactionDocument,
    "\n  mutation MarkRead($conversationId: ID!, $messageId: ID!) {\n    markRead(conversationId: $conversationId, messageId: $messageId) {\n      lastReadSeq\n      lastReadAt\n    }\n  }\n": typeof types.MarkReadDocument,
    "\n  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {\n    setTyping(conversationId: $conversationId, isTyping: $isTyping)\n  }\n": typeof types.SetTypingDocument,
    "\n  subscription MessageAdded($afterSeqs: [ConversationSeqInput!]) {\n    messageAdded(afterSeqs: $afterSeqs) {\n      ...MessageFields\n    }\n  }\n": typeof types.MessageAddedDocument,
    "\n  subscription MessageUpdated {\n    messageUpdated {\n      ...MessageFields\n    }\n  }\n": typeof types.MessageUpdatedDocument,
    "\n  subscription ConversationUpdated {\n    conversationUpdated {\n      ...ConversationFields\n    }\n  }\n": typeof types.ConversationUpdatedDocument,
    "\n  subscription ReceiptUpdated($conversationId: ID!) {\n    receiptUpdated(conversationId: $conversationId) {\n      conversationId\n      receipts {\n        lastDeliveredSeq\n        lastReadSeq\n        readAt\n        user {\n          id\n        }\n      }\n      counts {\n        messageId\n        seq\n        deliveredCount\n        readCount\n        recipientCount\n      }\n    }\n  }\n": typeof types.ReceiptUpdatedDocument,
    "\n  subscription Typing($conversationId: ID) {\n    typing(conversationId: $conversationId) {\n      conversationId\n      isTyping\n      user {\n        id\n        displayName\n      }\n    }\n  }\n": typeof types.TypingDocument,
    "\n  subscription Presence {\n    presenceChanged {\n      status\n      lastSeenAt\n      user {\n        id\n      }\n    }\n  }\n": typeof types.PresenceDocument,
    "\n  query HeldLastMessages($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          lastMessage {\n            id\n            seq\n          }\n        }\n      }\n    }\n  }\n": typeof types.HeldLastMessagesDocument,
    "\n  query HeldNewestPage($conversationId: ID!, $last: Int) {\n    messages(conversationId: $conversationId, last: $last) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": typeof types.HeldNewestPageDocument,
    "\n  query RegistrationMode {\n    registrationMode\n  }\n": typeof types.RegistrationModeDocument,
    "\n  query ArchivedConversations($first: Int = 100) {\n    conversations(first: $first, filter: { archived: true }) {\n      edges {\n        cursor\n        node {\n          ...ConversationFields\n        }\n      }\n    }\n  }\n": typeof types.ArchivedConversationsDocument,
    "\n  mutation MuteConversation($conversationId: ID!, $until: DateTime) {\n    muteConversation(conversationId: $conversationId, until: $until) {\n      ...ConversationFields\n    }\n  }\n": typeof types.MuteConversationDocument,
    "\n  mutation UnmuteConversation($conversationId: ID!) {\n    unmuteConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": typeof types.UnmuteConversationDocument,
    "\n  mutation ArchiveConversation($conversationId: ID!) {\n    archiveConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": typeof types.ArchiveConversationDocument,
    "\n  mutation UnarchiveConversation($conversationId: ID!) {\n    unarchiveConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": typeof types.UnarchiveConversationDocument,
    "\n  mutation PinConversation($conversationId: ID!) {\n    pinConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": typeof types.PinConversationDocument,
    "\n  mutation UnpinConversation($conversationId: ID!) {\n    unpinConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": typeof types.UnpinConversationDocument,
    "\n  query SearchMessages($query: String!, $first: Int, $after: String) {\n    searchMessages(query: $query, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          snippetParts {\n            text\n            highlighted\n          }\n          message {\n            id\n            conversationId\n            seq\n            createdAt\n            sender {\n              id\n              displayName\n            }\n          }\n          conversation {\n            id\n            displayTitle\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.SearchMessagesDocument,
};
const documents: Documents = {
    "\n  query Account {\n    me {\n      email\n      sessions {\n        id\n        device\n        createdAt\n        lastUsedAt\n        current\n      }\n      blockedUsers {\n        id\n        username\n        displayName\n        avatarUrl\n      }\n    }\n  }\n": types.AccountDocument,
    "\n  query BlockedIds {\n    me {\n      blockedUsers {\n        id\n      }\n    }\n  }\n": types.BlockedIdsDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n": types.ChangePasswordDocument,
    "\n  mutation EndSession($id: ID!) {\n    endSession(id: $id)\n  }\n": types.EndSessionDocument,
    "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password)\n  }\n": types.DeleteAccountDocument,
    "\n  mutation BlockUser($userId: ID!) {\n    blockUser(userId: $userId) {\n      id\n    }\n  }\n": types.BlockUserDocument,
    "\n  mutation UnblockUser($userId: ID!) {\n    unblockUser(userId: $userId) {\n      id\n    }\n  }\n": types.UnblockUserDocument,
    "\n  fragment ConversationHead on Conversation {\n    id\n    unreadCount\n    unreadMentionCount\n    lastMessageAt\n    lastMessage {\n      id\n      seq\n    }\n  }\n": types.ConversationHeadFragmentDoc,
    "\n  fragment MessageCounts on Message {\n    id\n    status\n    deliveredCount\n    readCount\n    recipientCount\n  }\n": types.MessageCountsFragmentDoc,
    "\n  fragment PresenceOfUser on User {\n    id\n    presence {\n      status\n      lastSeenAt\n    }\n  }\n": types.PresenceOfUserFragmentDoc,
    "\n  fragment UserFields on User {\n    id\n    username\n    displayName\n    avatarUrl\n    presence {\n      status\n      lastSeenAt\n    }\n  }\n": types.UserFieldsFragmentDoc,
    "\n  fragment MessageFields on Message {\n    id\n    conversationId\n    seq\n    content\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    cursor\n    status\n    deliveredCount\n    readCount\n    recipientCount\n    sender {\n      id\n      displayName\n      username\n      avatarUrl\n    }\n    replyTo {\n      id\n      seq\n      content\n      deletedAt\n      sender {\n        id\n        displayName\n      }\n    }\n    mentions {\n      id\n      username\n    }\n    reactions {\n      emoji\n      count\n      reactedByViewer\n      users(first: 10) {\n        id\n        displayName\n      }\n    }\n  }\n": types.MessageFieldsFragmentDoc,
    "\n  fragment ConversationFields on Conversation {\n    id\n    kind\n    title\n    displayTitle\n    lastMessageAt\n    createdAt\n    unreadCount\n    unreadMentionCount\n    participantCount\n    viewerState {\n      muted\n      mutedUntil\n      archived\n      pinned\n      pinnedAt\n    }\n    participants {\n      role\n      lastReadSeq\n      user {\n        ...UserFields\n      }\n    }\n    lastMessage {\n      ...MessageFields\n    }\n  }\n": types.ConversationFieldsFragmentDoc,
    "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    refreshToken\n    accessTokenExpiresAt\n    refreshTokenExpiresAt\n    user {\n      id\n      displayName\n      username\n    }\n  }\n": types.AuthFieldsFragmentDoc,
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...AuthFields\n    }\n  }\n": types.LoginDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...AuthFields\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n": types.RefreshDocument,
    "\n  mutation Logout {\n    logout\n  }\n": types.LogoutDocument,
    "\n  query Me {\n    me {\n      email\n      user {\n        ...UserFields\n      }\n      settings {\n        shareReadReceipts\n        sharePresence\n      }\n    }\n  }\n": types.MeDocument,
    "\n  query Conversations($first: Int = 100, $after: String) {\n    conversations(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...ConversationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ConversationsDocument,
    "\n  query Conversation($id: ID!) {\n    conversation(id: $id) {\n      ...ConversationFields\n    }\n  }\n": types.ConversationDocument,
    "\n  query Unread($id: ID!) {\n    conversation(id: $id) {\n      id\n      unreadCount\n    }\n  }\n": types.UnreadDocument,
    "\n  query Messages($conversationId: ID!, $last: Int, $before: String, $first: Int, $afterSeq: Int) {\n    messages(conversationId: $conversationId, last: $last, before: $before, first: $first, afterSeq: $afterSeq) {\n      edges {\n        cursor\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        hasNextPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": types.MessagesDocument,
    "\n  query ReadBy($id: ID!) {\n    message(id: $id) {\n      id\n      readCount\n      readBy {\n        readAt\n        user {\n          id\n          displayName\n          username\n        }\n      }\n    }\n  }\n": types.ReadByDocument,
    "\n  query SearchUsers($query: String!) {\n    searchUsers(query: $query, first: 20) {\n      ...UserFields\n    }\n  }\n": types.SearchUsersDocument,
    "\n  mutation CreateConversation($input: CreateConversationInput!) {\n    createConversation(input: $input) {\n      ...ConversationFields\n    }\n  }\n": types.CreateConversationDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n": types.SendMessageDocument,
    "\n  mutation EditMessage($messageId: ID!, $content: String!) {\n    editMessage(messageId: $messageId, content: $content) {\n      ...MessageFields\n    }\n  }\n": types.EditMessageDocument,
    "\n  mutation DeleteMessage($messageId: ID!) {\n    deleteMessage(messageId: $messageId) {\n      ...MessageFields\n    }\n  }\n": types.DeleteMessageDocument,
    "\n  mutation AddReaction($messageId: ID!, $emoji: String!) {\n    addReaction(messageId: $messageId, emoji: $emoji) {\n      ...MessageFields\n    }\n  }\n": types.AddReactionDocument,
    "\n  mutation RemoveReaction($messageId: ID!, $emoji: String!) {\n    removeReaction(messageId: $messageId, emoji: $emoji) {\n      ...MessageFields\n    }\n  }\n": types.RemoveReactionDocument,
    "\n  mutation MarkRead($conversationId: ID!, $messageId: ID!) {\n    markRead(conversationId: $conversationId, messageId: $messageId) {\n      lastReadSeq\n      lastReadAt\n    }\n  }\n": types.MarkReadDocument,
    "\n  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {\n    setTyping(conversationId: $conversationId, isTyping: $isTyping)\n  }\n": types.SetTypingDocument,
    "\n  subscription MessageAdded($afterSeqs: [ConversationSeqInput!]) {\n    messageAdded(afterSeqs: $afterSeqs) {\n      ...MessageFields\n    }\n  }\n": types.MessageAddedDocument,
    "\n  subscription MessageUpdated {\n    messageUpdated {\n      ...MessageFields\n    }\n  }\n": types.MessageUpdatedDocument,
    "\n  subscription ConversationUpdated {\n    conversationUpdated {\n      ...ConversationFields\n    }\n  }\n": types.ConversationUpdatedDocument,
    "\n  subscription ReceiptUpdated($conversationId: ID!) {\n    receiptUpdated(conversationId: $conversationId) {\n      conversationId\n      receipts {\n        lastDeliveredSeq\n        lastReadSeq\n        readAt\n        user {\n          id\n        }\n      }\n      counts {\n        messageId\n        seq\n        deliveredCount\n        readCount\n        recipientCount\n      }\n    }\n  }\n": types.ReceiptUpdatedDocument,
    "\n  subscription Typing($conversationId: ID) {\n    typing(conversationId: $conversationId) {\n      conversationId\n      isTyping\n      user {\n        id\n        displayName\n      }\n    }\n  }\n": types.TypingDocument,
    "\n  subscription Presence {\n    presenceChanged {\n      status\n      lastSeenAt\n      user {\n        id\n      }\n    }\n  }\n": types.PresenceDocument,
    "\n  query HeldLastMessages($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          lastMessage {\n            id\n            seq\n          }\n        }\n      }\n    }\n  }\n": types.HeldLastMessagesDocument,
    "\n  query HeldNewestPage($conversationId: ID!, $last: Int) {\n    messages(conversationId: $conversationId, last: $last) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n": types.HeldNewestPageDocument,
    "\n  query RegistrationMode {\n    registrationMode\n  }\n": types.RegistrationModeDocument,
    "\n  query ArchivedConversations($first: Int = 100) {\n    conversations(first: $first, filter: { archived: true }) {\n      edges {\n        cursor\n        node {\n          ...ConversationFields\n        }\n      }\n    }\n  }\n": types.ArchivedConversationsDocument,
    "\n  mutation MuteConversation($conversationId: ID!, $until: DateTime) {\n    muteConversation(conversationId: $conversationId, until: $until) {\n      ...ConversationFields\n    }\n  }\n": types.MuteConversationDocument,
    "\n  mutation UnmuteConversation($conversationId: ID!) {\n    unmuteConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": types.UnmuteConversationDocument,
    "\n  mutation ArchiveConversation($conversationId: ID!) {\n    archiveConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": types.ArchiveConversationDocument,
    "\n  mutation UnarchiveConversation($conversationId: ID!) {\n    unarchiveConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": types.UnarchiveConversationDocument,
    "\n  mutation PinConversation($conversationId: ID!) {\n    pinConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": types.PinConversationDocument,
    "\n  mutation UnpinConversation($conversationId: ID!) {\n    unpinConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n": types.UnpinConversationDocument,
    "\n  query SearchMessages($query: String!, $first: Int, $after: String) {\n    searchMessages(query: $query, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          snippetParts {\n            text\n            highlighted\n          }\n          message {\n            id\n            conversationId\n            seq\n            createdAt\n            sender {\n              id\n              displayName\n            }\n          }\n          conversation {\n            id\n            displayTitle\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.SearchMessagesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Account {\n    me {\n      email\n      sessions {\n        id\n        device\n        createdAt\n        lastUsedAt\n        current\n      }\n      blockedUsers {\n        id\n        username\n        displayName\n        avatarUrl\n      }\n    }\n  }\n"): (typeof documents)["\n  query Account {\n    me {\n      email\n      sessions {\n        id\n        device\n        createdAt\n        lastUsedAt\n        current\n      }\n      blockedUsers {\n        id\n        username\n        displayName\n        avatarUrl\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BlockedIds {\n    me {\n      blockedUsers {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  query BlockedIds {\n    me {\n      blockedUsers {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n"): (typeof documents)["\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EndSession($id: ID!) {\n    endSession(id: $id)\n  }\n"): (typeof documents)["\n  mutation EndSession($id: ID!) {\n    endSession(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password)\n  }\n"): (typeof documents)["\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BlockUser($userId: ID!) {\n    blockUser(userId: $userId) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation BlockUser($userId: ID!) {\n    blockUser(userId: $userId) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnblockUser($userId: ID!) {\n    unblockUser(userId: $userId) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UnblockUser($userId: ID!) {\n    unblockUser(userId: $userId) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConversationHead on Conversation {\n    id\n    unreadCount\n    unreadMentionCount\n    lastMessageAt\n    lastMessage {\n      id\n      seq\n    }\n  }\n"): (typeof documents)["\n  fragment ConversationHead on Conversation {\n    id\n    unreadCount\n    unreadMentionCount\n    lastMessageAt\n    lastMessage {\n      id\n      seq\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MessageCounts on Message {\n    id\n    status\n    deliveredCount\n    readCount\n    recipientCount\n  }\n"): (typeof documents)["\n  fragment MessageCounts on Message {\n    id\n    status\n    deliveredCount\n    readCount\n    recipientCount\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PresenceOfUser on User {\n    id\n    presence {\n      status\n      lastSeenAt\n    }\n  }\n"): (typeof documents)["\n  fragment PresenceOfUser on User {\n    id\n    presence {\n      status\n      lastSeenAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserFields on User {\n    id\n    username\n    displayName\n    avatarUrl\n    presence {\n      status\n      lastSeenAt\n    }\n  }\n"): (typeof documents)["\n  fragment UserFields on User {\n    id\n    username\n    displayName\n    avatarUrl\n    presence {\n      status\n      lastSeenAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MessageFields on Message {\n    id\n    conversationId\n    seq\n    content\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    cursor\n    status\n    deliveredCount\n    readCount\n    recipientCount\n    sender {\n      id\n      displayName\n      username\n      avatarUrl\n    }\n    replyTo {\n      id\n      seq\n      content\n      deletedAt\n      sender {\n        id\n        displayName\n      }\n    }\n    mentions {\n      id\n      username\n    }\n    reactions {\n      emoji\n      count\n      reactedByViewer\n      users(first: 10) {\n        id\n        displayName\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment MessageFields on Message {\n    id\n    conversationId\n    seq\n    content\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    cursor\n    status\n    deliveredCount\n    readCount\n    recipientCount\n    sender {\n      id\n      displayName\n      username\n      avatarUrl\n    }\n    replyTo {\n      id\n      seq\n      content\n      deletedAt\n      sender {\n        id\n        displayName\n      }\n    }\n    mentions {\n      id\n      username\n    }\n    reactions {\n      emoji\n      count\n      reactedByViewer\n      users(first: 10) {\n        id\n        displayName\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConversationFields on Conversation {\n    id\n    kind\n    title\n    displayTitle\n    lastMessageAt\n    createdAt\n    unreadCount\n    unreadMentionCount\n    participantCount\n    viewerState {\n      muted\n      mutedUntil\n      archived\n      pinned\n      pinnedAt\n    }\n    participants {\n      role\n      lastReadSeq\n      user {\n        ...UserFields\n      }\n    }\n    lastMessage {\n      ...MessageFields\n    }\n  }\n"): (typeof documents)["\n  fragment ConversationFields on Conversation {\n    id\n    kind\n    title\n    displayTitle\n    lastMessageAt\n    createdAt\n    unreadCount\n    unreadMentionCount\n    participantCount\n    viewerState {\n      muted\n      mutedUntil\n      archived\n      pinned\n      pinnedAt\n    }\n    participants {\n      role\n      lastReadSeq\n      user {\n        ...UserFields\n      }\n    }\n    lastMessage {\n      ...MessageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    refreshToken\n    accessTokenExpiresAt\n    refreshTokenExpiresAt\n    user {\n      id\n      displayName\n      username\n    }\n  }\n"): (typeof documents)["\n  fragment AuthFields on AuthPayload {\n    accessToken\n    refreshToken\n    accessTokenExpiresAt\n    refreshTokenExpiresAt\n    user {\n      id\n      displayName\n      username\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...AuthFields\n    }\n  }\n"): (typeof documents)["\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...AuthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...AuthFields\n    }\n  }\n"): (typeof documents)["\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...AuthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n"): (typeof documents)["\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout {\n    logout\n  }\n"): (typeof documents)["\n  mutation Logout {\n    logout\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      email\n      user {\n        ...UserFields\n      }\n      settings {\n        shareReadReceipts\n        sharePresence\n      }\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      email\n      user {\n        ...UserFields\n      }\n      settings {\n        shareReadReceipts\n        sharePresence\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Conversations($first: Int = 100, $after: String) {\n    conversations(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...ConversationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Conversations($first: Int = 100, $after: String) {\n    conversations(first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          ...ConversationFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Conversation($id: ID!) {\n    conversation(id: $id) {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  query Conversation($id: ID!) {\n    conversation(id: $id) {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Unread($id: ID!) {\n    conversation(id: $id) {\n      id\n      unreadCount\n    }\n  }\n"): (typeof documents)["\n  query Unread($id: ID!) {\n    conversation(id: $id) {\n      id\n      unreadCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Messages($conversationId: ID!, $last: Int, $before: String, $first: Int, $afterSeq: Int) {\n    messages(conversationId: $conversationId, last: $last, before: $before, first: $first, afterSeq: $afterSeq) {\n      edges {\n        cursor\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        hasNextPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Messages($conversationId: ID!, $last: Int, $before: String, $first: Int, $afterSeq: Int) {\n    messages(conversationId: $conversationId, last: $last, before: $before, first: $first, afterSeq: $afterSeq) {\n      edges {\n        cursor\n        node {\n          ...MessageFields\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        hasNextPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReadBy($id: ID!) {\n    message(id: $id) {\n      id\n      readCount\n      readBy {\n        readAt\n        user {\n          id\n          displayName\n          username\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ReadBy($id: ID!) {\n    message(id: $id) {\n      id\n      readCount\n      readBy {\n        readAt\n        user {\n          id\n          displayName\n          username\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchUsers($query: String!) {\n    searchUsers(query: $query, first: 20) {\n      ...UserFields\n    }\n  }\n"): (typeof documents)["\n  query SearchUsers($query: String!) {\n    searchUsers(query: $query, first: 20) {\n      ...UserFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateConversation($input: CreateConversationInput!) {\n    createConversation(input: $input) {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateConversation($input: CreateConversationInput!) {\n    createConversation(input: $input) {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n"): (typeof documents)["\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EditMessage($messageId: ID!, $content: String!) {\n    editMessage(messageId: $messageId, content: $content) {\n      ...MessageFields\n    }\n  }\n"): (typeof documents)["\n  mutation EditMessage($messageId: ID!, $content: String!) {\n    editMessage(messageId: $messageId, content: $content) {\n      ...MessageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMessage($messageId: ID!) {\n    deleteMessage(messageId: $messageId) {\n      ...MessageFields\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteMessage($messageId: ID!) {\n    deleteMessage(messageId: $messageId) {\n      ...MessageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddReaction($messageId: ID!, $emoji: String!) {\n    addReaction(messageId: $messageId, emoji: $emoji) {\n      ...MessageFields\n    }\n  }\n"): (typeof documents)["\n  mutation AddReaction($messageId: ID!, $emoji: String!) {\n    addReaction(messageId: $messageId, emoji: $emoji) {\n      ...MessageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveReaction($messageId: ID!, $emoji: String!) {\n    removeReaction(messageId: $messageId, emoji: $emoji) {\n      ...MessageFields\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveReaction($messageId: ID!, $emoji: String!) {\n    removeReaction(messageId: $messageId, emoji: $emoji) {\n      ...MessageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkRead($conversationId: ID!, $messageId: ID!) {\n    markRead(conversationId: $conversationId, messageId: $messageId) {\n      lastReadSeq\n      lastReadAt\n    }\n  }\n"): (typeof documents)["\n  mutation MarkRead($conversationId: ID!, $messageId: ID!) {\n    markRead(conversationId: $conversationId, messageId: $messageId) {\n      lastReadSeq\n      lastReadAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {\n    setTyping(conversationId: $conversationId, isTyping: $isTyping)\n  }\n"): (typeof documents)["\n  mutation SetTyping($conversationId: ID!, $isTyping: Boolean!) {\n    setTyping(conversationId: $conversationId, isTyping: $isTyping)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageAdded($afterSeqs: [ConversationSeqInput!]) {\n    messageAdded(afterSeqs: $afterSeqs) {\n      ...MessageFields\n    }\n  }\n"): (typeof documents)["\n  subscription MessageAdded($afterSeqs: [ConversationSeqInput!]) {\n    messageAdded(afterSeqs: $afterSeqs) {\n      ...MessageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageUpdated {\n    messageUpdated {\n      ...MessageFields\n    }\n  }\n"): (typeof documents)["\n  subscription MessageUpdated {\n    messageUpdated {\n      ...MessageFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConversationUpdated {\n    conversationUpdated {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  subscription ConversationUpdated {\n    conversationUpdated {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ReceiptUpdated($conversationId: ID!) {\n    receiptUpdated(conversationId: $conversationId) {\n      conversationId\n      receipts {\n        lastDeliveredSeq\n        lastReadSeq\n        readAt\n        user {\n          id\n        }\n      }\n      counts {\n        messageId\n        seq\n        deliveredCount\n        readCount\n        recipientCount\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription ReceiptUpdated($conversationId: ID!) {\n    receiptUpdated(conversationId: $conversationId) {\n      conversationId\n      receipts {\n        lastDeliveredSeq\n        lastReadSeq\n        readAt\n        user {\n          id\n        }\n      }\n      counts {\n        messageId\n        seq\n        deliveredCount\n        readCount\n        recipientCount\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Typing($conversationId: ID) {\n    typing(conversationId: $conversationId) {\n      conversationId\n      isTyping\n      user {\n        id\n        displayName\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Typing($conversationId: ID) {\n    typing(conversationId: $conversationId) {\n      conversationId\n      isTyping\n      user {\n        id\n        displayName\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Presence {\n    presenceChanged {\n      status\n      lastSeenAt\n      user {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Presence {\n    presenceChanged {\n      status\n      lastSeenAt\n      user {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HeldLastMessages($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          lastMessage {\n            id\n            seq\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query HeldLastMessages($first: Int) {\n    conversations(first: $first) {\n      edges {\n        node {\n          id\n          lastMessage {\n            id\n            seq\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HeldNewestPage($conversationId: ID!, $last: Int) {\n    messages(conversationId: $conversationId, last: $last) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query HeldNewestPage($conversationId: ID!, $last: Int) {\n    messages(conversationId: $conversationId, last: $last) {\n      edges {\n        node {\n          id\n          seq\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RegistrationMode {\n    registrationMode\n  }\n"): (typeof documents)["\n  query RegistrationMode {\n    registrationMode\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ArchivedConversations($first: Int = 100) {\n    conversations(first: $first, filter: { archived: true }) {\n      edges {\n        cursor\n        node {\n          ...ConversationFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ArchivedConversations($first: Int = 100) {\n    conversations(first: $first, filter: { archived: true }) {\n      edges {\n        cursor\n        node {\n          ...ConversationFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MuteConversation($conversationId: ID!, $until: DateTime) {\n    muteConversation(conversationId: $conversationId, until: $until) {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  mutation MuteConversation($conversationId: ID!, $until: DateTime) {\n    muteConversation(conversationId: $conversationId, until: $until) {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnmuteConversation($conversationId: ID!) {\n    unmuteConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  mutation UnmuteConversation($conversationId: ID!) {\n    unmuteConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ArchiveConversation($conversationId: ID!) {\n    archiveConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  mutation ArchiveConversation($conversationId: ID!) {\n    archiveConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnarchiveConversation($conversationId: ID!) {\n    unarchiveConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  mutation UnarchiveConversation($conversationId: ID!) {\n    unarchiveConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PinConversation($conversationId: ID!) {\n    pinConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  mutation PinConversation($conversationId: ID!) {\n    pinConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnpinConversation($conversationId: ID!) {\n    unpinConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"): (typeof documents)["\n  mutation UnpinConversation($conversationId: ID!) {\n    unpinConversation(conversationId: $conversationId) {\n      ...ConversationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchMessages($query: String!, $first: Int, $after: String) {\n    searchMessages(query: $query, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          snippetParts {\n            text\n            highlighted\n          }\n          message {\n            id\n            conversationId\n            seq\n            createdAt\n            sender {\n              id\n              displayName\n            }\n          }\n          conversation {\n            id\n            displayTitle\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query SearchMessages($query: String!, $first: Int, $after: String) {\n    searchMessages(query: $query, first: $first, after: $after) {\n      edges {\n        cursor\n        node {\n          snippetParts {\n            text\n            highlighted\n          }\n          message {\n            id\n            conversationId\n            seq\n            createdAt\n            sender {\n              id\n              displayName\n            }\n          }\n          conversation {\n            id\n            displayTitle\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;