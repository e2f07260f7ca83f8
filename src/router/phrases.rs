//! The phrase tables of the rules stage, Korean and English, lower-case.
//! Data only; `rules` decides what they mean.

#[rustfmt::skip]
pub const SHELL: &[&str] = &[
    "ls -", "ls /", "cat /", "grep ", "ps aux", "df -", "du -", "tail -", "rm ", "mv /", "cp /", "| sh", "| bash",
    "curl http", "wget http", "bash ", "python -c", "eval ",
    "`", "$(", "sudo ", "rm -rf", "kill -9", "apt install", "apt-get", "pip install", "npm install", "curl ", "wget ",
    "shell command", "run the command", "run command", "run this command", "execute the command", "execute this",
    "명령어", "커맨드", "쉘에서", "쉘 명령", "터미널에서 실행", "bash -c", "sh -c", "systemctl ", "docker ", "kubectl ",
    "reboot", "shutdown ", "chmod ", "chown ", "git push", "git reset", "dd if=", "mkfs",
];

/// Words naming jobs, scripts and automations (for "make me a new one").
#[rustfmt::skip]
pub const JOB_WORDS: &[&str] = &[
    "잡", "job", "cron", "크론", "스케줄", "schedule", "스크립트", "script", "workflow", "워크플로", "자동화", "automation",
    "scraper", "크롤러", "bot", "봇",
];

#[rustfmt::skip]
pub const MAKE: &[&str] = &[
    "만들", "짜줘", "짜 줘", "작성", "추가해", "등록해", "생성", "create", "make", "write", "add a", "add an", "set up",
    "setup", "new ", "build", "짜서", "구성", "고쳐", "수정해", "edit the", "change the code", "rewrite",
];

#[rustfmt::skip]
pub const SETTINGS: &[&str] = &[
    "설정", "config", "setting", "환경변수", "env var", "timezone", "타임존", "concurrency", "keymap", "키맵",
    "알림 시간", "notification time", "temperature", "max_tokens", "max tokens", "system prompt", "시스템 프롬프트",
    "프롬프트", "model to", "모델을", "모델 바꿔", "retry policy", "retries", "재시도", "notifications", "알림", "경로 설정", "path setting",
];

#[rustfmt::skip]
pub const CHANGE: &[&str] = &[
    "바꿔", "변경", "수정", "바꾸", "change", "set ", "update", "modify", "edit", "늘려", "줄여", "꺼", "켜", "put ",
    "drop it", "add it", "넣어", "into the config", "to the config", "옮겨", "switch", "turn off", "turn on", "set a ",
];

#[rustfmt::skip]
pub const INTEGRATION: &[&str] = &[
    "연동", "integrat", "webhook", "웹훅", "연결해", "oauth", "api key", "api 키", "토큰 등록", "hook up",
    "plug into", "openai key", "sk-", "ghp_", "xoxb-", "connect it to", "connect jr", "connect to my", "connect my",
    "connect with", "link my", "link jr", "sync with", "슬랙에", "디스코드", "텔레그램", "노션에", "구글 캘린더",
];

#[rustfmt::skip]
pub const GREETING: &[&str] = &["안녕", "hello", "hi ", "hey", "반가", "ㅎㅇ", "good morning", "좋은 아침", "하이", "yo ", "굿모닝"];

#[rustfmt::skip]
pub const CAPABILITIES: &[&str] = &[
    "what can you", "what do you do", "help me use", "뭐 할 수 있", "뭘 할 수 있", "무엇을 할 수", "할 수 있는 게",
    "할 수 있는 일", "도움말", "사용법", "how do i use you", "what are you able", "뭐 해줄 수", "뭘 해줄 수", "who are you",
    "너 누구", "넌 누구", "누구세요", "what are you",
];

/// Verbs of real work: a message with one is not a status question.
#[rustfmt::skip]
pub const COMPLEX_WORK: &[&str] = &[
    "refactor", "리팩터", "분석", "analy", "design", "설계", "summarize", "요약해줘", "propose", "제안", "figure out",
    "investigate", "조사", "개선", "improve", "작성해", "써줘", "만들어", "explain", "설명해", "draft", "초안", "root-cause",
    "root cause", "원인", "debug", "디버그", "고쳐", "fix ", "implement", "구현", "writeup", "write up", "compare",
    "비교", "plan ", "계획", "review this", "검토해",
];

#[rustfmt::skip]
pub const RUN_VERBS: &[&str] = &[
    "run ", "rerun", "re-run", "trigger", "kick off", "kick-off", "launch", "execute", "start job", "start the", "fire ",
    "돌려", "실행해", "실행시켜", "실행 해", "실행하", "돌리", "시작해", "run it", "go ahead and run",
];

#[rustfmt::skip]
pub const WHEN: &[&str] = &["언제", "when", "next", "다음", "몇 시", "몇시", "what time", "schedule of", "scheduled"];

#[rustfmt::skip]
pub const FAILURE: &[&str] = &["fail", "실패", "에러", "error", "깨졌", "broke", "crash", "터졌", "오류", "went wrong"];

#[rustfmt::skip]
pub const RECENT_RUNS: &[&str] = &[
    "recent runs", "last runs", "run history", "최근 실행", "실행 이력", "실행 기록", "what ran", "뭐 돌았", "latest runs",
    "last few runs", "recent jobs", "최근에 돈", "돌았던",
];

#[rustfmt::skip]
pub const SCHEDULER: &[&str] = &["scheduler", "daemon", "스케줄러", "데몬", "lease"];

#[rustfmt::skip]
pub const TODAY: &[&str] = &[
    "오늘 뭐", "뭐 해야", "할 일", "할일", "todo", "to-do", "to do list", "tasks", "task list", "what should i", "pending",
    "남은 작업", "남은 일", "뭐 하지", "뭐하지", "태스크", "work on next", "ready tasks", "on my plate", "작업 있",
    "할 수 있는 작업", "할 게 뭐", "해야 할", "what's left", "anything to do", "ready to start", "due today", "오늘 마감",
    "마감인", "뭐 남았", "남았어", "due soon", "what's due",
];

#[rustfmt::skip]
pub const JOBS_LIST: &[&str] = &["jobs", "job list", "잡 목록", "어떤 잡", "잡 뭐", "잡들", "잡 리스트", "등록된 잡", "잡 몇"];

#[rustfmt::skip]
pub const STATUS: &[&str] = &[
    "status", "상태", "how are things", "how's everything", "어떻게 돼", "현황", "dashboard", "대시보드", "what's going on",
    "뭐 돌아가", "overview", "요약", "anything down", "is anything broken", "다 잘 돌아", "뭐 죽은", "system state",
];

/// Statuses a message moves a task to, strongest first.
#[rustfmt::skip]
pub const MOVES: &[(&str, &[&str])] = &[
    ("pending", &["reopen", "다시 열", "재오픈", "되돌려", "다시 pending"]),
    ("cancelled", &["cancel", "취소", "drop task", "없던 일"]),
    ("review", &["review", "리뷰", "검토"]),
    ("done", &["done", "complete", "finish", "완료", "끝냈", "끝났", "마쳤", "다 했", "다했", "close ", "closed"]),
    ("in_progress", &["start", "시작", "착수", "begin", "work on", "진행", "pick up", "in progress", "in_progress"]),
];

/// Phrases that introduce a new task's title ("add a task: X").
#[rustfmt::skip]
pub const ADD_HEADS: &[&str] = &[
    "add one more:", "add one more", "할 일 하나 추가", "할일 하나 추가", "task 하나 추가", "태스크 하나 추가",
    "add a task:", "add a task", "add task:", "add task", "new task:", "new task", "todo:", "create a task:",
    "create a task", "make a task", "remind me to", "할일 추가:", "할일 추가", "할 일 추가:", "할 일 추가", "태스크 추가:",
    "태스크 추가", "작업 추가:", "작업 추가", "할일:", "할 일:",
];

/// "X 할일로 추가해줘": the title comes before these.
#[rustfmt::skip]
pub const ADD_TAILS: &[&str] = &["할일로 추가", "할 일로 추가", "태스크로 추가", "작업으로 추가", "task로 추가", "할일에 추가", "할 일에 추가"];

/// A task made with the title given elsewhere ("태스크 하나 만들어줘 — 제목은 'X'").
#[rustfmt::skip]
pub const TASK_MAKE: &[&str] = &["태스크 하나 만들", "태스크 만들", "할일 하나 만들", "할일 만들", "task 하나", "make a task", "create a task"];

/// Words that turn "task 5 done?" into a question about it.
#[rustfmt::skip]
pub const ASKING: &[&str] = &[
    "is task", "was task", "did task", "has task", "is #", "됐어?", "됐나", "했어?", "했나", "인가요", "나요?", "니?", "yet?",
];

/// Deleting (tasks or jobs): never done by the gateway.
#[rustfmt::skip]
pub const DELETE: &[&str] = &[
    "delete", "remove", "삭제", "지워", "지우", "없애", "purge", "wipe", "erase", "drop all", "clear all", "clear out",
    "get rid of",
];

/// Words naming tasks as the thing acted on.
#[rustfmt::skip]
pub const TASKS_WORDS: &[&str] = &["task", "태스크", "할일", "할 일", "todo", "작업", "to-do", "tickets"];

/// Changing a job: editing, pausing, enabling, re-scheduling (never done).
#[rustfmt::skip]
pub const JOB_CHANGE: &[&str] = &[
    "disable", "pause", "enable", "resume", "reschedule", "re-schedule", "rename", "edit", "change", "modify",
    "stop", "turn off", "turn on", "unpause", "멈춰", "멈추", "정지", "중지", "비활성", "활성화", "꺼줘", "꺼 줘", "꺼놔",
    "꺼 놔", "꺼버려", "켜줘", "켜 줘", "켜놔", "바꿔", "바꾸", "변경", "수정", "옮겨", "미뤄", "일시", "끄고", "끄자",
    "중단", "스케줄 조정", "시간 조정",
];

/// Code as the thing to write.
#[rustfmt::skip]
pub const CODE_WORDS: &[&str] = &[
    "code", "코드", "function", "함수", "python", "파이썬", "rust", "bash script", "shell script", "셸 스크립트",
    "쉘 스크립트", "patch", "패치", "pull request", "pr ",
];

/// Statuses a listing question asks about.
#[rustfmt::skip]
pub const TASK_STATUSES: &[(&str, &[&str])] = &[
    ("in_progress", &["in_progress", "in progress", "진행 중", "진행중", "하고 있는", "doing right now", "started tasks", "시작한 작업"]),
    ("review", &["in review", "under review", "review인", "review 상태", "리뷰 중", "리뷰중", "리뷰 대기", "검토 중", "검토중",
        "리뷰 단계", "awaiting review", "review 중", "waiting for review", "review에", "리뷰에 있"]),
    ("done", &["done인", "완료된", "finished tasks", "completed tasks", "done tasks", "끝난 작업", "끝난 거", "끝낸 작업",
        "완료한 작업", "what's done", "what is done", "tasks are done"]),
    ("cancelled", &["cancelled tasks", "canceled tasks", "취소된"]),
];

/// "list open tasks": every open task.
#[rustfmt::skip]
pub const OPEN_TASKS: &[&str] = &[
    "open tasks", "열린 태스크", "열린 작업", "열린 할일", "all open", "미완료", "unfinished tasks", "all my tasks",
    "모든 태스크 보여", "태스크 전부", "작업 전부", "작업 목록", "작업 리스트",
];

/// Work too big for a small delegation: it goes to the host agent.
#[rustfmt::skip]
pub const BIG_WORK: &[&str] = &[
    "refactor", "리팩터", "리팩토링", "audit", "감사", "전체", "entire", "whole", "전부", "propose", "제안", "design", "설계",
    "분석", "analy", "implement", "구현", "취약점", "vulnerab",
];

/// Outside services: with a linking verb, an integration.
#[rustfmt::skip]
pub const SERVICES: &[&str] = &[
    "slack", "슬랙", "notion", "노션", "gmail", "지메일", "discord", "telegram", "github", "깃허브", "google calendar",
    "jira", "지라", "dropbox", "드롭박스", "s3", "email account", "메일 계정", "#alerts", "channel",
];

/// Linking verbs.
#[rustfmt::skip]
pub const LINK: &[&str] = &[
    "connect", "link", "hook", "integrat", "연동", "연결", "post to", "sync", "push to", "send to", "forward", "보내게",
    "올리게", "알림 보내",
];
