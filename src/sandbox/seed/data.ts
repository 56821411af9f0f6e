import type { Agent, Template } from '../domain/records.js';

/** Fixed per organisation so tests and docs can name them (`usr_agent1` is SPEC S8's example). */
export const AGENTS: readonly Agent[] = [
  { id: 'usr_agent1', name: 'Sarah Johnson', email: 'sarah.johnson@huechat-demo.example' },
  { id: 'usr_agent2', name: 'Miguel Torres', email: 'miguel.torres@huechat-demo.example' },
  { id: 'usr_agent3', name: 'Priya Patel', email: 'priya.patel@huechat-demo.example' },
  { id: 'usr_agent4', name: 'James Okafor', email: 'james.okafor@huechat-demo.example' },
  { id: 'usr_agent5', name: 'Aiko Tanaka', email: 'aiko.tanaka@huechat-demo.example' },
  { id: 'usr_agent6', name: 'Fatima Haddad', email: 'fatima.haddad@huechat-demo.example' },
];

/** SPEC §3.10 [rec] shape; `order_confirmation` is SPEC S9's example with four parameters. */
export const TEMPLATES: readonly Template[] = [
  {
    name: 'order_confirmation',
    language: 'en_US',
    category: 'utility',
    status: 'approved',
    body: 'Hi {{1}}, your order {{2}} for {{3}} is confirmed and will arrive on {{4}}.',
    parameter_count: 4,
  },
  {
    name: 'shipping_update',
    language: 'en_US',
    category: 'utility',
    status: 'approved',
    body: 'Good news {{1}}! Order {{2}} has shipped. Track it here: {{3}}',
    parameter_count: 3,
  },
  {
    name: 'appointment_reminder',
    language: 'en_US',
    category: 'utility',
    status: 'approved',
    body: 'Reminder: your appointment is on {{1}} at {{2}}. Reply to reschedule.',
    parameter_count: 2,
  },
  {
    name: 'welcome_message',
    language: 'en_US',
    category: 'marketing',
    status: 'approved',
    body: 'Welcome to HueChat, {{1}}! Reply to this message any time to reach our team.',
    parameter_count: 1,
  },
  {
    name: 'payment_overdue',
    language: 'en_US',
    category: 'utility',
    status: 'pending',
    body: 'Hi {{1}}, your invoice {{2}} is overdue. Please pay at your earliest convenience.',
    parameter_count: 2,
  },
  {
    name: 'flash_sale_promo',
    language: 'en_US',
    category: 'marketing',
    status: 'rejected',
    body: 'FLASH SALE {{1}}! Everything 70% off, today only!!!',
    parameter_count: 1,
  },
];

// biome-ignore format: a compact word list reads better than one word per line
export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Sophia', 'Elijah', 'Isabella', 'Lucas',
  'Mia', 'Mateo', 'Ava', 'Ethan', 'Charlotte', 'Leo', 'Harper', 'Hugo', 'Chloe', 'Arjun',
  'Ananya', 'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Kwame', 'Amara', 'Chidi', 'Zanele', 'Omar',
  'Layla', 'Youssef', 'Noor', 'Santiago', 'Valentina', 'Joao', 'Beatriz', 'Luca', 'Giulia', 'Lukas',
  'Hannah', 'Finn', 'Freya', 'Sven', 'Ingrid', 'Dmitri', 'Anya', 'Tomasz', 'Zofia', 'Rafael',
  'Camila', 'Diego', 'Lucia', 'Kai', 'Leilani', 'Rohan', 'Priyanka', 'Jin', 'Soo-ah', 'Ibrahim',
];

// biome-ignore format: a compact word list reads better than one word per line
export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Martinez', 'Rodriguez', 'Lee', 'Nguyen', 'Kim',
  'Patel', 'Sharma', 'Chen', 'Wang', 'Tanaka', 'Suzuki', 'Mensah', 'Okafor', 'Adeyemi', 'Dlamini',
  'Haddad', 'Khalil', 'Rahman', 'Silva', 'Santos', 'Oliveira', 'Rossi', 'Bianchi', 'Muller', 'Schmidt',
  'Fischer', 'Larsen', 'Johansson', 'Nowak', 'Kowalski', 'Ivanova', 'Petrov', 'Dubois', 'Moreau', 'Lopez',
  'Hernandez', 'Gonzalez', 'Fernandes', 'Costa', 'Murphy', "O'Brien", 'Walsh', 'Kelly', 'Cohen', 'Levi',
];

export const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.com'];
export const COMPANIES = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Retail',
  'Stark Supplies',
  'Wayne Foods',
];
export const CITIES = ['San Francisco', 'London', 'Berlin', 'Sao Paulo', 'Mumbai', 'Sydney', 'Mexico City'];
export const TIERS = ['free', 'starter', 'pro', 'enterprise'];
export const CONTACT_TAGS = ['vip', 'early_adopter', 'wholesale', 'newsletter', 'beta', 'churn_risk'];
// biome-ignore format: a compact word list reads better than one word per line
export const LABELS = [
  'billing', 'urgent', 'vip', 'shipping', 'returns', 'technical', 'sales', 'feedback', 'onboarding', 'refund',
];
export const FAILURE_REASONS = [
  'Recipient phone number is not reachable',
  'Message undeliverable: recipient blocked the business',
  'Provider timeout while sending',
  'Mailbox full',
];

export interface Topic {
  subject: string;
  customer: string[];
  agent: string[];
}

export const TOPICS: readonly Topic[] = [
  {
    subject: 'Order status inquiry',
    customer: [
      'Hi, can you check my order status?',
      'I ordered last week and the tracking page has not changed.',
      'Order number is ORD-{n}.',
      'Great, thanks for checking!',
    ],
    agent: [
      'Hi! Happy to help. Could you share your order number?',
      'Thanks! Your order ORD-{n} left our warehouse yesterday.',
      'It should arrive within 2-3 business days.',
      'Anything else I can help with?',
    ],
  },
  {
    subject: 'Refund request',
    customer: [
      'I would like a refund for my last purchase.',
      'The item arrived damaged.',
      'Sure, I will send a photo now.',
      'Perfect, thank you.',
    ],
    agent: [
      'Sorry to hear that! Could you send a photo of the damage?',
      'Thanks, I have started the refund. It takes 5-7 business days.',
      'You will get an email confirmation shortly.',
    ],
  },
  {
    subject: 'Billing question',
    customer: [
      'Why was I charged twice this month?',
      'I see two charges of $49.00 on my card.',
      'Ok, I will wait for the reversal.',
    ],
    agent: [
      'Let me look into your billing history.',
      'You are right, the second charge was a duplicate. I have reversed it.',
      'The reversal shows up within a few days depending on your bank.',
    ],
  },
  {
    subject: 'Cannot log in',
    customer: [
      'I cannot log in to my account.',
      'It says my password is wrong but I just reset it.',
      'That worked, thanks!',
    ],
    agent: [
      'Sorry about that. Could you try clearing your browser cache?',
      'I have also sent a fresh password reset link to your email.',
      'Glad it works now!',
    ],
  },
  {
    subject: 'Product availability',
    customer: [
      'Is the blue jacket back in stock in size M?',
      'Can you notify me when it is available?',
      'Awesome.',
    ],
    agent: [
      'It is expected back in stock next Tuesday.',
      'Done! You will get a message as soon as it is available.',
    ],
  },
  {
    subject: 'Change delivery address',
    customer: [
      'I need to change the delivery address for my order.',
      'The new address is 221B Baker Street.',
      'Thank you so much!',
    ],
    agent: [
      'No problem, the order has not shipped yet so we can update it.',
      'Updated! The new address is on the order now.',
    ],
  },
  {
    subject: 'Subscription upgrade',
    customer: [
      'How do I upgrade to the Pro plan?',
      'Does it include priority support?',
      'Great, please upgrade me.',
    ],
    agent: [
      'You can upgrade from Settings > Billing, or I can do it for you.',
      'Yes, Pro includes priority support and 1,000 conversations per month.',
      'All set, you are on Pro now!',
    ],
  },
  {
    subject: 'Appointment booking',
    customer: ['Can I book an appointment for Friday?', 'Morning works best.', 'See you then!'],
    agent: ['Sure! We have 9:30 and 11:00 available on Friday.', 'Booked you for 9:30 on Friday.'],
  },
  {
    subject: 'Feedback on recent visit',
    customer: ['Just wanted to say the staff were amazing yesterday.', 'Will definitely come back.'],
    agent: ['Thank you so much for the kind words!', 'We have passed your feedback on to the team.'],
  },
  {
    subject: 'Integration help',
    customer: [
      'Our webhook stopped receiving events.',
      'We get a 401 from our endpoint logs.',
      'Found it, our signing secret was outdated.',
    ],
    agent: [
      'Could you check that your endpoint verifies the latest signing secret?',
      'Also make sure it responds with a 2xx within 10 seconds.',
      'Great, glad it is working again.',
    ],
  },
];

export const SYSTEM_LINES = [
  'Conversation reopened',
  'Conversation assigned to {agent}',
  'Customer rated the conversation 5/5',
];
export const IMAGE_CAPTIONS = ['Here is a photo', 'Screenshot of the error', 'Damaged box', null];
export const DOCUMENT_NAMES = ['invoice.pdf', 'receipt.pdf', 'order-summary.pdf', 'warranty.pdf'];
