// C11 threads (thrd_*, mtx_*, cnd_*) routed through pthreads, linked into every
// executable of a ThreadSanitizer build (ORBITLAKE_SANITIZE=thread) and nowhere else.
//
// Why: librdkafka starts its threads with C11 thrd_create(). glibc implements that by
// calling its internal pthread_create, which TSan's interceptor never sees, and the
// TSan runtime of GCC 12 has no thrd_create interceptor: the first malloc on such a
// thread crashes inside TSan (no thread state; gdb: SizeClassAllocator64LocalCache::
// Allocate with cache=0x8 on thread "rdk:broker-1"). Likewise glibc's mtx_*/cnd_* call
// internal pthread functions, so TSan would not see librdkafka's locking and would report
// races inside it that are not there. Defined here, these symbols take precedence over
// libc's for librdkafka (the executable comes first in symbol lookup) and call the
// public, intercepted pthread functions. glibc's thrd_t is a pthread_t, and its mtx_t /
// cnd_t have pthread_mutex_t / pthread_cond_t layout, exactly as its own implementation
// (nptl/thrd_create.c, mtx_init.c, cnd_init.c) uses them.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>

namespace {

int FromErrno(int rc) {
  switch (rc) {
    case 0: return thrd_success;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    case ENOMEM: case EAGAIN: return thrd_nomem;
    default: return thrd_error;
  }
}

struct Start {
  thrd_start_t fn;
  void* arg;
};

void* RunC11Thread(void* p) {
  Start s = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(s.fn(s.arg)));
}

pthread_mutex_t* M(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* C(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

}  // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t fn, void* arg) {
  auto* s = new Start{fn, arg};
  int rc = pthread_create(reinterpret_cast<pthread_t*>(thr), nullptr, RunC11Thread, s);
  if (rc != 0) delete s;
  return FromErrno(rc);
}

int thrd_join(thrd_t thr, int* res) {
  void* ret = nullptr;
  int rc = pthread_join(static_cast<pthread_t>(thr), &ret);
  if (rc == 0 && res != nullptr) *res = static_cast<int>(reinterpret_cast<intptr_t>(ret));
  return FromErrno(rc);
}

int thrd_detach(thrd_t thr) { return FromErrno(pthread_detach(static_cast<pthread_t>(thr))); }

[[noreturn]] void thrd_exit(int res) { pthread_exit(reinterpret_cast<void*>(static_cast<intptr_t>(res))); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  int rc = pthread_mutex_init(M(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return FromErrno(rc);
}
int mtx_lock(mtx_t* m) { return FromErrno(pthread_mutex_lock(M(m))); }
int mtx_trylock(mtx_t* m) { return FromErrno(pthread_mutex_trylock(M(m))); }
int mtx_timedlock(mtx_t* m, const struct timespec* t) { return FromErrno(pthread_mutex_timedlock(M(m), t)); }
int mtx_unlock(mtx_t* m) { return FromErrno(pthread_mutex_unlock(M(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(M(m)); }

int cnd_init(cnd_t* c) { return FromErrno(pthread_cond_init(C(c), nullptr)); }
int cnd_signal(cnd_t* c) { return FromErrno(pthread_cond_signal(C(c))); }
int cnd_broadcast(cnd_t* c) { return FromErrno(pthread_cond_broadcast(C(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) { return FromErrno(pthread_cond_wait(C(c), M(m))); }
int cnd_timedwait(cnd_t* c, mtx_t* m, const struct timespec* t) {
  return FromErrno(pthread_cond_timedwait(C(c), M(m), t));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(C(c)); }

}  // extern "C"
